"""The accounts that can sign in at the simulator, and their organisations."""

from dataclasses import dataclass, field

PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
# The demo account's (anna.berger@contoso.example) calendars besides its default one.
DEMO_PRIVATE_CALENDAR = "AAMkAD5f1c2a3b6d7e4f809a1b2c3dprv"
DEMO_HOLIDAY_CALENDAR = "AAMkAD5f1c2a3b6d7e4f809a1b2c3dhol"


@dataclass
class Tenant:
    id: str
    name: str
    consent_policy: str = "allow"  # "allow" or "admin_only"
    approved: bool = False  # an administrator granted tenant-wide consent


@dataclass
class Persona:
    username: str
    display_name: str
    kind: str  # "work" or "personal"
    tenant_id: str
    oid: str
    graph_id: str
    mail: str | None
    time_zone: str = "Europe/Berlin"
    is_admin: bool = False
    # Calendars besides the default one: {"id", "name", "can_edit", "owner": {"name",
    # "address"}}; the owner is someone else for a calendar shared with this account.
    calendars: list = field(default_factory=list)
    # The delegated scopes (short names) this account has consented to for the app; a token
    # request for any other scope gets AADSTS65001 consent_required.
    consented: set = field(default_factory=set)

    @property
    def calendar_id(self):
        return f"AAMkAD{self.graph_id.replace('-', '')[:24]}cal"

    def new_calendar_id(self, suffix):
        return f"AAMkAD{self.graph_id.replace('-', '')[:24]}{suffix}"

    def calendar(self, calendar_id):
        """The calendar with this id (None or the default's id: the default), else None."""
        if calendar_id is None or calendar_id == self.calendar_id:
            return self.default_calendar()
        return next((c for c in self.calendars if c["id"] == calendar_id), None)

    def default_calendar(self):
        return {
            "id": self.calendar_id,
            "name": "Calendar",
            "can_edit": True,
            "owner": {"name": self.display_name, "address": self.mail or self.username},
        }

    def all_calendars(self):
        return [self.default_calendar(), *self.calendars]


def default_tenants():
    return {
        t.id: t
        for t in (
            Tenant("72f988bf-0000-4000-8000-00000000c0de", "Contoso"),
            Tenant("3c9a1e57-0000-4000-8000-0000fab1ca70", "Fabrikam", consent_policy="admin_only"),
            Tenant(PERSONAL_TENANT, "Microsoft accounts"),
        )
    }


def default_personas():
    contoso, fabrikam = (
        "72f988bf-0000-4000-8000-00000000c0de",
        "3c9a1e57-0000-4000-8000-0000fab1ca70",
    )
    people = [
        Persona(
            "anna.berger@contoso.example",
            "Anna Berger",
            "work",
            contoso,
            oid="5f1c2a3b-6d7e-4f80-9a1b-2c3d4e5f6a70",
            graph_id="5f1c2a3b-6d7e-4f80-9a1b-2c3d4e5f6a70",
            mail="anna.berger@contoso.example",
            # The demo mailbox (`make run`): private appointments in a calendar of their own,
            # and a read-only holiday calendar.
            calendars=[
                {
                    "id": DEMO_PRIVATE_CALENDAR,
                    "name": "Private",
                    "can_edit": True,
                    "owner": {"name": "Anna Berger", "address": "anna.berger@contoso.example"},
                },
                {
                    "id": DEMO_HOLIDAY_CALENDAR,
                    "name": "Holidays in Germany",
                    "can_edit": False,
                    "owner": {"name": "Anna Berger", "address": "anna.berger@contoso.example"},
                },
            ],
        ),
        Persona(
            "max.muster@outlook.com",
            "Max Muster",
            "personal",
            PERSONAL_TENANT,
            oid="00000000-0000-0000-fde9-26f844473904",
            graph_id="fde926f844473904",
            mail=None,
        ),
        Persona(
            "lena.vogt@fabrikam.example",
            "Lena Vogt",
            "work",
            fabrikam,
            oid="8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d",
            graph_id="8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d",
            mail="lena.vogt@fabrikam.example",
        ),
        Persona(
            "admin@fabrikam.example",
            "Fabrikam IT Admin",
            "work",
            fabrikam,
            oid="1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90",
            graph_id="1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90",
            mail="admin@fabrikam.example",
            is_admin=True,
        ),
    ]
    return {p.username: p for p in people}
