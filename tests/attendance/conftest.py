import datetime
from pathlib import Path

import pytest
import time_machine

from attendance.imports.run import run_import
from attendance.models import AttendanceImport
from tests.factories import AcademicYearFactory, SchoolFactory, TermFactory

HEADER = (
    "school_urn,upn,family_name,given_name,date_of_birth,year_group,period_start,period_end,"
    "possible_sessions,attended_sessions,authorised_absence,unauthorised_absence,code_C2,code_I,"
    "code_N,sen,fsm"
)
# The spec's example, kept here too so the tests do not depend on a file outside the repository.
SAMPLE_ROWS = """\
100001,C851200119017,Example,Amira,2015-03-14,5,2025-09-01,2025-09-05,8,8,0,0,0,0,0,N,N
100001,C851200119017,Example,Amira,2015-03-14,5,2025-09-08,2025-09-12,10,10,0,0,0,0,0,N,N
100001,R851200119018,Sample,Ben,2015-07-02,5,2025-09-01,2025-09-05,8,6,2,0,0,2,0,N,N
100001,R851200119018,Sample,Ben,2015-07-02,5,2025-09-08,2025-09-12,10,7,1,2,0,1,0,N,N
100002,P851400317142,Specimen,Chloe,2012-11-23,8,2025-09-01,2025-09-05,8,2,1,5,0,0,5,K,Y
100002,P851400317142,Specimen,Chloe,2012-11-23,8,2025-09-08,2025-09-12,10,3,0,7,0,0,7,K,Y
100002,K851400318009,Placeholder,Dev,2013-01-30,7,2025-09-01,2025-09-05,8,4,4,0,4,0,0,N,Y
100002,K851400318009,Placeholder,Dev,2013-01-30,7,2025-09-08,2025-09-12,10,4,6,0,6,0,0,N,Y
"""
TODAY = datetime.date(2025, 9, 15)


@pytest.fixture(autouse=True)
def _autumn_2025(db):
    """Tests run on Monday 15 September 2025, in the autumn term of 2025/26."""
    year = AcademicYearFactory(start_year=2025)
    TermFactory(
        academic_year=year,
        name="autumn",
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2025, 12, 19),
    )
    with time_machine.travel("2025-09-15 09:00 +01:00", tick=False):
        yield


@pytest.fixture
def sample_schools(db):
    return (
        SchoolFactory(urn="100001", name="Amberfield Primary School"),
        SchoolFactory(urn="100002", name="Birchwood Academy", phase="secondary"),
    )


@pytest.fixture
def write_file(tmp_path):
    def write(text: str | bytes, name: str = "attendance.csv") -> Path:
        path = tmp_path / name
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return path

    return write


@pytest.fixture
def do_import(administrator):
    def run(path: Path, *, user=None, dry_run: bool = False, today=TODAY) -> AttendanceImport:
        record = AttendanceImport.objects.create(
            file_name=path.name,
            sha256="0" * 64,
            created_by=user or administrator,
            dry_run=dry_run,
        )
        return run_import(record, path, today=today)

    return run
