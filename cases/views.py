"""Staff pages of the cases app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The first page after sign-in: my cases, the intake queue, what needs attention today."""
    return render(request, "cases/dashboard.html", {"my_cases": [], "intake": [], "attention": []})
