"""Authorization matrix rows: termly reports.

The sample is a stored LA report for the autumn term of 2025/26 with a targeting support meeting
pack for school A. Managers and administrators open and download it; a link co-ordinator opens
it for school A's pack (which names pupils) but not the LA's board pack and CSV (403); a pastoral
lead, at school A or elsewhere, cannot tell an LA report exists (404). Only managers generate.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reports.measures import Figures, periods_for
from reports.models import TermlyReport
from reports.termly import Snapshot
from tests.factories import TermFactory
from tests.matrix_rows import FORBIDDEN, NOT_FOUND, OK, row

READ_LA = row(
    administrator=OK,
    manager=OK,
    link_coordinator=OK,
    pastoral_lead=NOT_FOUND,
    other_school_pastoral_lead=NOT_FOUND,
)
DOWNLOAD_LA = {**READ_LA, "link_coordinator": FORBIDDEN}
EVERY_SCHOOLS_STAFF = row(
    administrator=OK,
    manager=OK,
    link_coordinator=OK,
    pastoral_lead=OK,
    other_school_pastoral_lead=OK,
)

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "reports:termly-list": ("get", None, EVERY_SCHOOLS_STAFF),
    "reports:termly-generate": ("get", None, row(manager=OK)),
    "reports:report-detail": ("get", "termly_report", READ_LA),
    "reports:report-pdf": ("get", "termly_report", DOWNLOAD_LA),
    "reports:report-csv-download": ("get", "termly_report", DOWNLOAD_LA),
    "reports:report-pack-pdf": ("get", "termly_pack", READ_LA),
}


def stored_report(school):
    """An LA version as the generator stores it (files and figures), without generating one."""
    term = TermFactory()
    periods, _ = periods_for(term)
    pack = default_storage.save(
        f"termly-reports/{term.pk}/sample-packs/{school.urn}.pdf", ContentFile(b"%PDF-1.7 pack")
    )
    snapshot = Snapshot(
        scope=TermlyReport.Scope.LA,
        school=None,
        figures=Figures(term.pk, periods, [], "all"),
        la=Figures(term.pk, periods, [], "all"),
        targets=[],
        schools=[],
        packs=[
            {
                "school_id": school.pk,
                "urn": school.urn,
                "name": school.name,
                "file": pack,
                "pupil_ids": [],
            }
        ],
    )
    report = TermlyReport(term=term, version=1, data_cut_off=term.ends_on.isoformat() + "T18:00Z")
    report.pdf.save("sample.pdf", ContentFile(b"%PDF-1.7 board pack"), save=False)
    report.csv.save("sample.csv", ContentFile(b"measure,breakdown\n"), save=False)
    report.figures = snapshot.to_json()
    report.save()
    return report


# Sample objects by the name a row gives them, merged into the matrix's SAMPLES.
SAMPLES = {
    "termly_report": lambda school: [stored_report(school).pk],
    "termly_pack": lambda school: [stored_report(school).pk, school.pk],
}
