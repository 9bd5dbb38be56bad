"""The supervisor's access-log page: a month of the centre's reads, by person, with the monthly sign-off."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases import access, chain
from cases.actions.access_log import do_review_access_log, first_of_month
from cases.actions.errors import ActionError, NotAllowedError
from cases.audit import log_access
from cases.forms import AccessLogFilterForm, AccessReviewForm
from cases.models import AccessAction, AccessReview
from cases.views.common import address, staff

PAGE_SIZE = 50
# What each kind of row means, said as a sentence about a read (the model's short labels double as
# column headings elsewhere: "Opened" is also the day a case was opened).
ACTION_LABELS = {
    AccessAction.VIEW: pgettext_lazy("access log", "Opened the case"),
    AccessAction.EXPORT: pgettext_lazy("access log", "Exported data"),
    AccessAction.LIST: pgettext_lazy("access log", "Listed cases"),
    AccessAction.SEARCH: pgettext_lazy("access log", "Searched"),
    AccessAction.DUPLICATE_CHECK: pgettext_lazy("access log", "Checked for duplicates"),
    AccessAction.REPORT: pgettext_lazy("access log", "Opened a report"),
    AccessAction.ACCESS_LOG: pgettext_lazy("access log", "Read the access log"),
}


@login_required
@require_http_methods(["GET", "HEAD"])
def access_log(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    rows = access.access_log_visible_to(user)
    asked = request.GET.copy()
    if not asked.get("month"):
        asked["month"] = f"{timezone.localdate():%Y-%m}"  # shown in the field, not only assumed
    form = AccessLogFilterForm(asked, centre_id=user.centre_id)
    if not form.is_valid():
        return render(request, "cases/access_log.html", {"form": form}, status=400)
    month = form.cleaned_data["month"] or first_of_month(timezone.localdate())
    zone = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=zone)
    end = datetime.combine((month + timedelta(days=32)).replace(day=1), time.min, tzinfo=zone)
    rows = rows.filter(created_at__gte=start, created_at__lt=end)
    person = form.cleaned_data["user"]
    if person is not None:
        rows = rows.filter(user_id=person.pk)
    # Logged first: this reading is one of the month's reads, counted and listed like the others.
    log_access(user=user, case=None, ip_address=address(request), action=AccessAction.ACCESS_LOG)
    page = Paginator(rows.select_related("user").order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for row in page.object_list:
        row.action_label = ACTION_LABELS.get(AccessAction(row.action), row.action)  # type: ignore[attr-defined]
    query = {"month": f"{month:%Y-%m}", **({"user": str(person.pk)} if person is not None else {})}
    context = {
        "form": form,
        "month": month,
        "page": page,
        "query": urlencode(query),
        "review": AccessReview.objects.select_related("reviewed_by")
        .filter(centre_id=user.centre_id, month=month)
        .first(),
        "review_form": AccessReviewForm(initial={"month": f"{month:%Y-%m}"}),
        "head": chain.head(user.centre_id),
        "reviewable": month <= first_of_month(timezone.localdate()),
    }
    return render(request, "cases/access_log.html", context)


@login_required
@require_POST
def review_access_log(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    access.access_log_visible_to(user)  # supervisors only: 403 for anyone else
    form = AccessReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the month: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("cases:access_log")
    month = form.cleaned_data["month"]
    back = f"{reverse('cases:access_log')}?{urlencode({'month': f'{month:%Y-%m}'})}"
    try:
        do_review_access_log(actor=user, month=month, note=form.cleaned_data["note"])
    except NotAllowedError as error:
        raise PermissionDenied(error.message) from None
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("The month is signed off as reviewed."))
    return redirect(back)
