"""A malformed CSV is refused whole, naming each bad line; nothing is written."""

import pytest

from sync_core.admin.csv_import import CsvFileError, read_rows


def csv_file(tmp_path, content, encoding="utf-8"):
    p = tmp_path / "ids.csv"
    p.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return p


def test_our_format_and_identical_duplicates(tmp_path):
    rows = read_rows(csv_file(tmp_path, "internal_id,stripe_customer_id\n101,cus_A\n102, cus_B \n101,cus_A\n\n"))
    assert [(r.line, r.internal_id, r.stripe_customer_id) for r in rows] == [(2, "101", "cus_A"), (3, "102", "cus_B")]


def test_stripe_export_format_with_bom(tmp_path):
    text = "\ufeffid,Description,Email,netsuite_internal_id (metadata)\ncus_A,,a@b.test,101\n"
    rows = read_rows(csv_file(tmp_path, text))
    assert (rows[0].internal_id, rows[0].stripe_customer_id) == ("101", "cus_A")


def test_named_columns(tmp_path):
    rows = read_rows(csv_file(tmp_path, "ns,cus\n7,cus_Z\n"), id_column="ns", stripe_column="cus")
    assert rows[0].internal_id == "7"
    with pytest.raises(CsvFileError, match=r"no column 'nope'.*ns, cus"):
        read_rows(csv_file(tmp_path, "ns,cus\n7,cus_Z\n"), id_column="nope")


@pytest.mark.parametrize("content, words", [
    ("email,name\na@b.test,A\n", "no column for the NetSuite internal id"),
    ("internal_id,stripe_customer_id\nabc,cus_A\n", "line 2: internal_id 'abc' is not a NetSuite internal id"),
    ("internal_id,stripe_customer_id\n101,pm_123\n", "line 2: stripe_customer_id 'pm_123' is not a Stripe customer id"),
    ("internal_id,stripe_customer_id\n101,cus_A\n101,cus_B\n", "line 3: customer 101 again, with cus_B (line 2 says cus_A)"),
    ("internal_id,stripe_customer_id\n101\n", "line 2: 1 columns"),
    ('internal_id,stripe_customer_id\n101,cus_A\n102,"cus_B\n103,cus_C\n104,cus_D\n',
     "line 3: a quote opened on this line is not closed on it (the value runs on to line 5)"),
    ('internal_id,stripe_customer_id\n101,"cus_A\n102",cus_B\n103,cus_C\n', "line 2: a quote opened on this line"),
    ("", "empty"),
    ("internal_id,stripe_customer_id\n", "no data rows"),
])
def test_malformed_files_name_the_problem(tmp_path, content, words):
    with pytest.raises(CsvFileError) as e:
        read_rows(csv_file(tmp_path, content))
    assert words in str(e.value)


def test_wrong_encoding_names_the_line(tmp_path):
    p = csv_file(tmp_path, "internal_id,stripe_customer_id\n101,cus_A\n102,cus_Müller\n".encode("latin-1"))
    with pytest.raises(CsvFileError, match="line 3: not UTF-8"):
        read_rows(p)


def test_every_bad_line_is_reported(tmp_path):
    with pytest.raises(CsvFileError) as e:
        read_rows(csv_file(tmp_path, "internal_id,stripe_customer_id\nx,cus_A\n102,cus_B\ny,cus_C\n"))
    assert "2 bad row(s); nothing was written" in str(e.value) and "line 2" in str(e.value) and "line 4" in str(e.value)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20)), max_size=8).map(
                     lambda rows: ("internal_id,stripe_customer_id\n" + "\n".join(f"{a},{b}" for a, b in rows)).encode())))
def test_any_file_gives_rows_or_a_clear_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("csv") / "ids.csv"
    path.write_bytes(content)
    try:
        rows = read_rows(path)
    except CsvFileError as exc:
        assert str(path) in str(exc)
        return
    assert rows and all(r.internal_id.isdigit() and r.stripe_customer_id.startswith("cus_") for r in rows)
    assert len({r.internal_id for r in rows}) == len(rows)


def test_utf16_file_names_the_encoding(tmp_path):
    p = csv_file(tmp_path, "internal_id,stripe_customer_id\n101,cus_A\n", encoding="utf-16")
    with pytest.raises(CsvFileError, match=r"ids.csv: not UTF-8: the file is encoded as UTF-16"):
        read_rows(p)
