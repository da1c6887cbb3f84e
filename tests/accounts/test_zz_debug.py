import pytest, re
from django.urls import reverse
from tests.accounts.helpers import sign_in
from tests.accounts.test_two_factor import activate_totp, reauthenticate, current_code
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY


def dump(name, r):
    t = r.content.decode()
    m = re.search(r"<main.*?</main>", t, re.S)
    body = m.group(0) if m else t
    body = re.sub(r"\n\s*\n+", "\n", body)
    body = re.sub(r"\n\s+", "\n", body)
    open(f"/tmp/wmdump/{name}.html", "w").write(
        f"{r.status_code} {r.get('Location')}\n{body}"
    )


@pytest.mark.django_db
def test_debug(client, learner, empty_cache):
    sign_in(client, "learner")
    reauthenticate(client)
    dump("totp_activate", client.get(reverse("mfa_activate_totp")))
    secret = client.session[SECRET_SESSION_KEY]
    r = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    dump("totp_activate_err", r)
    r = client.post(
        reverse("mfa_activate_totp"), {"code": current_code(secret)}, follow=True
    )
    dump("totp_after", r)
    dump("mfa_index2", client.get(reverse("mfa_index")))
    dump("settings", client.get(reverse("account_settings")))
    dump("delete", client.get(reverse("account_delete")))
    dump("email", client.get(reverse("account_email")))
    dump("sessions", client.get(reverse("usersessions_list")))
    client.post(reverse("account_logout"))
    sign_in(client, "learner")
    dump("mfa_auth", client.get(reverse("mfa_authenticate")))
    dump("mfa_auth_err", client.post(reverse("mfa_authenticate"), {"code": "1"}))
