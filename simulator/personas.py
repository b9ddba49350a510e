"""The accounts that can sign in at the simulator, and their organisations."""

from dataclasses import dataclass

PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


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

    @property
    def calendar_id(self):
        return f"AAMkAD{self.graph_id.replace('-', '')[:24]}cal"


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
