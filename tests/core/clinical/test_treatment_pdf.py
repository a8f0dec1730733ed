from __future__ import annotations

import io
import subprocess
from datetime import timedelta

from PIL import Image
from pypdf import PdfReader

from medspa_desk.clinical.addenda import write_addendum
from medspa_desk.clinical.charting import build_treatment
from medspa_desk.clinical.treatment_pdf import treatment_pdf
from medspa_desk.records import ChartView, Role
from tests.core.clinical.charts import (
    in_date,
    neurotoxin_visit,
    point,
    product,
    treatment_day,
    visit,
)


def _record(demo, injector, store):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    points = (point(botox, area="Glabella", amount=4, lot="C777", x=0.45, y=0.33),
              point(botox, area="Glabella", amount=4, lot="C777", x=0.55, y=0.33),
              point(botox, area="Crow's feet, left", amount=6, lot="C777", x=0.4, y=0.41, view=ChartView.LEFT))
    result = build_treatment(visit(appt, points, expiry=in_date(appt, demo), notes="Mild erythema glabella."),
                             catalog={p.id: p for p in demo.products}, role=Role.PROVIDER,
                             on=treatment_day(appt, demo))
    store.save_treatment(result.record, actor=injector)
    store.sign_treatment(result.record.id, actor=injector, at=appt.ends_at)
    signed = store.treatment(result.record.id, actor=injector)
    for hours, words in ((3, "Called at 3 pm: no headache."), (30, "Photos reviewed: symmetric.")):
        addendum = write_addendum(store.treatment(signed.id, actor=injector), text=words,
                                  author_user_id=injector.user_id, author_name="M. Patel, NP",
                                  author_role=Role.PROVIDER, at=signed.signed_at + timedelta(hours=hours))
        store.add_addendum(signed.id, addendum, actor=injector)
    client = next(c for c in demo.clients if c.id == appt.client_id)
    return store.treatment(signed.id, actor=injector), client


def _pdf(record, client, demo):
    return treatment_pdf(record, client=client, practice_name="Glow Aesthetics", zone=demo.location.zone,
                         provider_name="M. Patel, NP", service_name="Botox")


def test_the_treatment_pdf_holds_the_chart_lots_totals_signature_and_addenda_in_order(store, demo, injector):
    record, client = _record(demo, injector, store)
    reader = PdfReader(io.BytesIO(_pdf(record, client, demo)))
    words = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (client.full_name, "Botox Cosmetic 100U", "C777", "Glabella", "8 units", "Crow's feet, left",
                     "6 units", "Botox Cosmetic 100U 14 units at 3 points", "Mild erythema glabella.",
                     "Stay upright for 4 hours.", "Signed by M. Patel, NP", record.content_sha256,
                     "Front", "Left side"):
        assert expected in words, expected
    assert words.index("Addendum 1") < words.index("Called at 3 pm") < words.index("Addendum 2") \
        < words.index("Photos reviewed")
    assert "DRAFT" not in words


def test_a_draft_pdf_says_draft_on_it(store, demo, injector):
    record, client = _record(demo, injector, store)
    draft = record.model_copy(update={"signed_at": None, "signed_by": None, "content_sha256": None, "addenda": ()})
    words = " ".join(PdfReader(io.BytesIO(_pdf(draft, client, demo))).pages[0].extract_text().split())
    assert "DRAFT — not signed" in words


def test_the_face_chart_renders_as_drawn_vectors_with_coloured_points(store, demo, injector, tmp_path):
    record, client = _record(demo, injector, store)
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(_pdf(record, client, demo))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    width, height = image.size
    # The chart panels sit under the "Face chart" heading, in the top half of page 1.
    chart = image.crop((int(width * 0.08), int(height * 0.22), int(width * 0.68), int(height * 0.46)))
    pixels = list(chart.get_flattened_data()) if hasattr(chart, "get_flattened_data") else list(chart.getdata())
    ink = sum(1 for r, g, b in pixels if r + g + b < 300)
    magenta = sum(1 for r, g, b in pixels if r > 150 and g < 80 and 60 < b < 140)  # Botox points (#c2185b)
    assert ink > 400  # the outline strokes of two faces
    assert magenta > 10  # three injection points


def test_every_dose_on_the_face_chart_says_its_unit(store, demo, injector):
    record, client = _record(demo, injector, store)
    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(_pdf(record, client, demo))).pages)
    assert words.count("4 units") >= 2  # each glabella point's own label (the area total is 8)


def test_dose_labels_of_neighbouring_points_do_not_collide():
    from medspa_desk.clinical.face_chart_pdf import _overlaps, label_box

    dots = [(100.0, 100.0), (104.0, 100.0), (100.0, 104.0)]  # three points 4 pt apart
    taken = [(x - 2.6, y - 2.6, x + 2.6, y + 2.6) for x, y in dots]
    boxes = []
    for x, y in dots:
        box = label_box(x, y, width=22.0, height=6.5, taken=taken)
        taken.append(box)
        boxes.append(box)
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_no_page_holds_only_a_hash(store, demo, injector):
    record, client = _record(demo, injector, store)
    # Notes this long put the page break between an addendum's text and its hash (issue 15's
    # "page 2 holds only an addendum's hash"): each sealed block must move whole.
    long_notes = record.model_copy(update={"clinical_notes": "Reviewed with the client. " * 190})
    reader = PdfReader(io.BytesIO(_pdf(long_notes, client, demo)))
    for page in reader.pages:
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith(("Glow Aesthetics", "Treatment record ·", "Page "))]
        hashes = [line for line in body if "SHA-256" in line]
        assert not hashes or len(body) > len(hashes) + 1, body  # a hash shares its page with what it seals
        for index, line in enumerate(body):
            if line.startswith("SHA-256 ") and index == 0:
                raise AssertionError(f"an addendum's hash starts a page: {body[:3]}")
