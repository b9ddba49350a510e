"""How Microsoft's redirect answers are classified (pure: no network is reached)."""

import pytest

from calendars import identity


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {
                "error": "access_denied",
                "error_subcode": "cancel",
                "error_description": "AADSTS65004: User declined to consent to access the app.",
            },
            identity.SignInCancelled,
        ),
        (
            {
                "error": "access_denied",
                "error_description": "AADSTS90094: Admin consent is required.",
            },
            identity.AdminApprovalRequired,
        ),
        (
            {"error": "consent_required", "error_description": "AADSTS65001: ..."},
            identity.AdminApprovalRequired,
        ),
        (
            {"error": "server_error", "error_description": "AADSTS50000: oops"},
            identity.SignInFailed,
        ),
    ],
)
def test_redirect_errors_are_classified_before_any_network_call(params, expected):
    with pytest.raises(expected):
        identity.finish_sign_in({"state": "s"}, {**params, "state": "s"})


def test_answer_without_state_is_refused_before_any_network_call():
    with pytest.raises(identity.SignInFailed) as caught:
        identity.finish_sign_in({"state": "s"}, {"code": "c"})
    assert caught.value.reason == "state"
