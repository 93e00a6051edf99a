import csv
import io

from fastapi.testclient import TestClient

CSV = "text/csv"


def _import(client: TestClient, body: str, ctype: str = CSV, atomic: bool = True):  # type: ignore[no-untyped-def]
    return client.post(
        f"/users/import?atomic={str(atomic).lower()}",
        content=body.encode(),
        headers={"content-type": ctype},
    )


def test_csv_import_all_valid(client: TestClient) -> None:
    r = _import(
        client,
        "email,full_name,active,role\na@x.org,A,true,user\nb@x.org,B,no,\nc@x.org,,1,admin\n",
    )
    assert r.status_code == 201
    assert r.json() == {"created": 3, "errors": [], "atomic": True}
    assert client.get("/users?active=false").json()["items"][0]["email"] == "b@x.org"


def test_atomic_import_reports_every_row_error_and_creates_nothing(client: TestClient) -> None:
    client.post("/users", json={"email": "taken@x.org"})
    body = (
        "email,role\nok@x.org,user\nbad-email,user\nz@x.org,root\ntaken@x.org,user\nok@x.org,user\n"
    )
    r = _import(client, body)
    assert r.status_code == 422
    errors = [(e["row"], e["field"]) for e in r.json()["errors"]]
    assert errors == [(2, "email"), (3, "role"), (4, "email"), (5, "email")]
    assert r.json()["created"] == 0
    assert client.get("/users?q=ok@").json()["total"] == 0


def test_partial_import_keeps_valid_rows(client: TestClient) -> None:
    r = _import(
        client,
        '[{"email": "j1@x.org"}, {"email": "nope"}, 7, {"email": "j2@x.org", "extra": 1}]',
        "application/json",
        atomic=False,
    )
    assert r.status_code == 201
    assert r.json()["created"] == 1
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [
        (2, "email"),
        (3, "(row)"),
        (4, "extra"),
    ]


def test_unreadable_bodies_are_400_or_415(client: TestClient) -> None:
    assert _import(client, "name\nx\n").status_code == 400
    assert (
        _import(client, "email,colour\na@x.org,red\n").json()["detail"]
        == "unknown CSV columns: colour"
    )
    assert _import(client, "{not json", "application/json").status_code == 400
    assert _import(client, '{"email": "a@x.org"}', "application/json").status_code == 400
    assert _import(client, "email\na@x.org", "text/plain").status_code == 415
    r = client.post("/users/import", content=b"email\n\xff\xfe", headers={"content-type": CSV})
    assert r.status_code == 400


def test_too_many_rows_is_400(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from swarm_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_import_rows", 2)
    r = _import(client, "email\na@x.org\nb@x.org\nc@x.org\n")
    assert r.status_code == 400
    assert "at most 2" in r.json()["detail"]


def test_export_csv_round_trip(client: TestClient) -> None:
    _import(client, 'email,full_name\np@x.org,"Pat, Jr"\nq@x.org,Q\n')
    r = client.get("/users/export.csv?q=x.org&sort=-email")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["email"], x["full_name"]) for x in rows] == [
        ("q@x.org", "Q"),
        ("p@x.org", "Pat, Jr"),
    ]


def test_export_neutralises_formula_cells_and_imports_them_back(client: TestClient) -> None:
    # A name a spreadsheet would run (CSV injection): exported with a leading quote.
    names = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "O'Neil"]
    body = "email,full_name\n" + "".join(
        f'f{i}@x.org,"{n.replace(chr(34), chr(34) * 2)}"\n' for i, n in enumerate(names)
    )
    assert _import(client, body).status_code == 201
    r = client.get("/users/export.csv?q=f&sort=email")
    exported = [x["full_name"] for x in csv.DictReader(io.StringIO(r.text))]
    assert exported == ["'" + n for n in names[:4]] + ["O'Neil"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in exported)
    # Imported back, the exported cells give the same names (the quote is the export's, not theirs).
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(("email", "full_name"))
    for i, cell in enumerate(exported):
        w.writerow((f"g{i}@y.org", cell))
    assert _import(client, out.getvalue()).status_code == 201
    again = client.get("/users?q=y.org&sort=email").json()["items"]
    assert [u["full_name"] for u in again] == names


def test_csv_with_a_lone_carriage_return_is_a_4xx_not_a_500(client: TestClient) -> None:
    # Found by the fuzz test: "\r0" made the csv module raise (500) before the fix.
    r = _import(client, "\r0")
    assert r.status_code in (400, 422), r.text
    r = _import(client, 'email,full_name\r"a@x.org,A\r')
    assert 400 <= r.status_code < 500, r.text
