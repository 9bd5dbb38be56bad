"""Seeds the platform directory with public entries and the default takedown letters (ko, en).

Administrators edit both later; the entries give a centre a working start on day one.
"""

from django.db import migrations

# name, kind, country, channel, contact, hours, language, evidence, regulator, domains
PLATFORMS = [
    ("Telegram", "messaging", "AE", "email", "abuse@telegram.org", 24, "en",
     "Links to the messages or channel (t.me/…); screenshots with the date.", True,
     ["telegram.org", "t.me", "telegram.me", "telegra.ph"]),
    ("X (Twitter)", "social", "US", "web_form", "https://help.x.com/forms", 48, "en",
     "Links to each post; the account name.", True, ["x.com", "twitter.com", "t.co"]),
    ("Instagram", "social", "US", "web_form", "https://help.instagram.com/contact", 48, "en",
     "Links to each post or profile.", True, ["instagram.com", "instagr.am"]),
    ("Facebook", "social", "US", "web_form", "https://www.facebook.com/help/contact", 48, "en",
     "Links to each post or profile.", True, ["facebook.com", "fb.com", "fb.watch", "messenger.com"]),
    ("YouTube", "social", "US", "web_form", "https://support.google.com/youtube", 48, "en",
     "Links to each video with the time in the video.", True, ["youtube.com", "youtu.be"]),
    ("TikTok", "social", "SG", "web_form", "https://www.tiktok.com/legal/report", 48, "en",
     "Links to each video or account.", True, ["tiktok.com"]),
    ("Discord", "messaging", "US", "web_form", "https://dis.gd/request", 48, "en",
     "Message links (right-click, Copy Message Link) and the server invite.", True,
     ["discord.com", "discord.gg", "discordapp.com", "discordapp.net"]),
    ("Reddit", "forum", "US", "web_form", "https://support.reddithelp.com", 48, "en",
     "Links to each post or comment.", True, ["reddit.com", "redd.it", "redditmedia.com"]),
    ("Google Search", "search", "US", "web_form", "https://support.google.com/websearch/answer/6302812", 72, "en",
     "The search result addresses and the search terms that show them.", True, ["google.com", "google.co.kr"]),
    ("Naver", "search", "KR", "web_form", "https://help.naver.com", 24, "ko",
     "게시물 주소와 화면 캡처(날짜 포함).", True, ["naver.com", "naver.me"]),
    ("Daum/Kakao", "search", "KR", "web_form", "https://cs.kakao.com", 24, "ko",
     "게시물 주소와 화면 캡처(날짜 포함).", True, ["daum.net", "kakao.com", "tistory.com"]),
]

LETTERS = {
    "ko": (
        "[삭제 요청] 불법촬영물·합성 성적 촬영물 $count건 (참조 $reference)",
        "$platform 담당자께,\n\n"
        "$centre은(는) 디지털 성범죄 피해자를 지원하는 기관입니다. 아래 주소의 게시물은 피해자의 동의 없이 "
        "촬영되었거나 합성·유포된 성적 촬영물입니다. 지체 없이 삭제하고 재게시를 막아 주시기 바랍니다.\n\n"
        "삭제 요청 주소 ($count건):\n$urls\n\n"
        "근거: $legal_basis\n\n"
        "$hours시간 안에 처리 결과를 회신해 주십시오. 회신 시 참조 번호 $reference를 적어 주십시오.\n\n"
        "$centre 드림",
        "성폭력범죄의 처벌 등에 관한 특례법 제14조·제14조의2, 전기통신사업법 제22조의5(불법촬영물등의 유통방지), "
        "정보통신망 이용촉진 및 정보보호 등에 관한 법률 제44조의2",
    ),
    "en": (
        "Removal request: $count item(s) of non-consensual intimate imagery (ref. $reference)",
        "To the $platform trust and safety team,\n\n"
        "$centre supports victims of digital sex crimes. The content at the addresses below is intimate imagery "
        "made or shared without the consent of the person shown, including synthetic (deepfake) imagery. "
        "Please remove it without delay and prevent it from being uploaded again.\n\n"
        "Addresses ($count):\n$urls\n\n"
        "Basis: $legal_basis\n\n"
        "Please reply within $hours hours, quoting our reference $reference.\n\n"
        "$centre",
        "Your terms of service on non-consensual intimate imagery; the TAKE IT DOWN Act (US, 2025); "
        "Korea's Act on Special Cases Concerning the Punishment of Sexual Crimes, arts. 14 and 14-2.",
    ),
}


def seed(apps, schema_editor):
    Platform = apps.get_model("cases", "Platform")
    PlatformDomain = apps.get_model("cases", "PlatformDomain")
    LetterTemplate = apps.get_model("cases", "LetterTemplate")
    for name, kind, country, channel, contact, hours, language, evidence, regulator, domains in PLATFORMS:
        platform = Platform.objects.create(
            name=name, kind=kind, country=country, channel=channel, contact=contact, response_hours=hours,
            request_language=language, evidence_required=evidence, regulator_escalation=regulator,
        )
        PlatformDomain.objects.bulk_create([PlatformDomain(platform=platform, domain=d) for d in domains])
    Platform.objects.create(
        name="Unknown site / 기타 사이트", kind="other", channel="email", response_hours=24, request_language="en",
        evidence_required="The addresses; find the host's abuse contact (WHOIS).", regulator_escalation=True,
        is_fallback=True,
    )
    for language, (subject, body, legal_basis) in LETTERS.items():
        LetterTemplate.objects.create(platform=None, language=language, subject=subject, body=body,
                                      legal_basis=legal_basis)


def unseed(apps, schema_editor):
    apps.get_model("cases", "LetterTemplate").objects.filter(platform__isnull=True).delete()
    apps.get_model("cases", "Platform").objects.filter(
        name__in=[p[0] for p in PLATFORMS] + ["Unknown site / 기타 사이트"], sightings__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_platforms_sightings_takedowns")]

    operations = [migrations.RunPython(seed, unseed)]
