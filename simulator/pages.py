"""The browser pages: account picker, consent, "Need admin approval", errors."""

from html import escape

from werkzeug.wrappers import Response

PERMISSION_LINES = {
    "User.Read": "Sign you in and read your profile",
    "Calendars.ReadWrite": "Have full access to your calendars",
    "Calendars.Read": "Read your calendars",
    "MailboxSettings.Read": "Read your mailbox settings",
    "offline_access": "Maintain access to data you have given it access to",
    "openid": "Sign you in",
    "profile": "View your basic profile",
}

KIND_LABELS = {"work": "Work or school account", "personal": "Personal account"}

STYLE = """
body{font-family:"Segoe UI",system-ui,"DejaVu Sans",sans-serif;background:#f2f2f2;margin:0;
color:#1b1b1b}
.box{background:#fff;max-width:440px;margin:60px auto;padding:36px 44px;
box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{display:flex;gap:2px;margin-bottom:18px}
.logo i{width:10px;height:10px;display:block}
h1{font-size:1.5rem;font-weight:600;margin:0 0 16px}
button{font:inherit;cursor:pointer}
.account{display:block;width:100%;text-align:left;background:none;border:0;
border-top:1px solid #ddd;padding:12px 4px}
.account:hover{background:#f2f2f2}
.account small{color:#666;display:block}
.row{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}
.primary{background:#0067b8;color:#fff;border:0;padding:8px 24px}
.secondary{background:#ccc;border:0;padding:8px 24px}
ul{padding-left:18px}.muted{color:#666;font-size:.85rem}.code{font-family:monospace;color:#666;font-size:.8rem}
.warn{color:#a4262c}
"""


def page(title, body, status=200):
    logo = "".join(
        f'<i style="background:{c}"></i>' for c in ("#f25022", "#7fba00", "#00a4ef", "#ffb900")
    )
    html = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><div class='box'><div class='logo'>{logo}</div>"
        f"<p class='muted'>Microsoft (simulated)</p>{body}</div></body></html>"
    )
    return Response(html, status=status, mimetype="text/html")


def account_picker(action, request_id, personas, heading="Pick an account"):
    buttons = "".join(
        f'<button class="account" type="submit" name="persona" value="{escape(p.username)}">'
        f"{escape(p.display_name)} — {escape(p.username)}"
        f"<small>{KIND_LABELS[p.kind]}</small></button>"
        for p in personas
    )
    return page(
        "Sign in to your account",
        f"<h1>{escape(heading)}</h1><form method='post' action='{escape(action)}'>"
        f"<input type='hidden' name='sim_request' value='{escape(request_id)}'>{buttons}</form>",
    )


def consent(action, request_id, persona, scopes, app_name="Okomo"):
    lines = "".join(
        f"<li>{escape(PERMISSION_LINES.get(s, s))}</li>" for s in scopes if s in PERMISSION_LINES
    )
    return page(
        "Permissions requested",
        f"<p>{escape(persona.username)}</p><h1>Permissions requested</h1>"
        f"<p><strong>{escape(app_name)}</strong><br><span class='muted'>unverified</span></p>"
        f"<p>This app would like to:</p><ul>{lines}</ul>"
        "<p class='muted'>Accepting these permissions means that you allow this app to use your "
        "data as specified in their terms of service and privacy statement.</p>"
        f"<form method='post' action='{escape(action)}'>"
        f"<input type='hidden' name='sim_request' value='{escape(request_id)}'>"
        "<div class='row'><button class='secondary' type='submit' name='decision' value='cancel'>"
        "Cancel</button><button class='primary' type='submit' name='decision' value='accept'>"
        "Accept</button></div></form>",
    )


def admin_approval_needed(action, request_id, persona, app_name="Okomo"):
    return page(
        "Need admin approval",
        f"<p>{escape(persona.username)}</p><h1>Need admin approval</h1>"
        f"<p><strong>{escape(app_name)}</strong><br><span class='muted'>unverified</span></p>"
        f"<p>{escape(app_name)} needs permission to access resources in your organization that "
        "only an admin can grant. Please ask an admin to grant permission to this app before you "
        "can use it.</p><p class='code'>AADSTS90094: Admin consent is required.</p>"
        f"<form method='post' action='{escape(action)}'>"
        f"<input type='hidden' name='sim_request' value='{escape(request_id)}'>"
        "<button class='account' type='submit' name='decision' value='return'>"
        "Return to the application without granting consent</button></form>",
    )


def admin_consent(action, request_id, persona, scopes, app_name="Okomo"):
    lines = "".join(f"<li>{escape(PERMISSION_LINES.get(s, s))}</li>" for s in scopes)
    return page(
        "Permissions requested - Accept for your organization",
        f"<p>{escape(persona.username)}</p><h1>Permissions requested</h1>"
        f"<p><strong>{escape(app_name)}</strong></p><p>This app would like to:</p><ul>{lines}</ul>"
        "<p>If you accept, this app will get access to the specified resources for all users in "
        "your organization. No one else will be prompted to review these permissions.</p>"
        f"<form method='post' action='{escape(action)}'>"
        f"<input type='hidden' name='sim_request' value='{escape(request_id)}'>"
        "<div class='row'><button class='secondary' type='submit' name='decision' value='cancel'>"
        "Cancel</button><button class='primary' type='submit' name='decision' value='accept'>"
        "Accept</button></div></form>",
    )


def message(title, text, status=200):
    return page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>", status=status)


def error(code, text, status=400):
    return page(
        "Sign in to your account",
        "<h1>Sorry, but we’re having trouble signing you in.</h1>"
        f"<p class='warn'>AADSTS{code}: {escape(text)}</p>",
        status=status,
    )


def form_post(action, fields):
    """Microsoft's response_mode=form_post answer: a form that submits itself to the app.

    Like Microsoft's, it carries a <noscript> button for browsers without script; a test
    driving it with requests reads the hidden fields and posts them itself.
    """
    inputs = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(str(value))}">'
        for name, value in fields.items()
    )
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Working...</title>"
        "</head><body>"
        f'<form method="post" name="hiddenform" action="{escape(action)}">{inputs}'
        "<noscript><p>Script is disabled. Click Submit to continue.</p>"
        '<input type="submit" value="Submit"></noscript></form>'
        "<script>document.forms[0].submit();</script></body></html>"
    )
    return Response(html, status=200, mimetype="text/html", headers={"Cache-Control": "no-store"})
