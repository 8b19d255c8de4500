"""A small, valid one-page PDF statement written by hand (no PDF library needed)."""

from __future__ import annotations

from datetime import UTC, datetime


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("(", "\\(")
        .replace(")", "\\)")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def build_pdf(lines: list[str]) -> bytes:
    """One A4 page of Helvetica text lines; correct xref offsets so strict readers accept it."""
    text = ["BT", "/F1 11 Tf", "14 TL", "50 790 Td"]
    for line in lines:
        text.append(f"({_escape(line)}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def statement_pdf(invoice: dict, partner_id: str) -> bytes:
    day = datetime.fromtimestamp(invoice["invoiceDate"], UTC).strftime("%Y-%m-%d")
    lines = [
        "Microsoft Partner Center - Invoice statement (sandbox)",
        "",
        f"Invoice number: {invoice['id']}",
        f"Invoice date: {day}",
        f"Invoice type: {invoice['invoiceType']}",
        f"Partner: {partner_id}",
        f"Currency: {invoice['currencyCode']}",
        f"Total charges: {invoice['totalCharges']} {invoice['currencyCode']}",
        f"Paid amount: {invoice['paidAmount']} {invoice['currencyCode']}",
        f"Line items: {invoice['generated'] or len(invoice['lines'])}",
        "",
    ]
    for item in invoice["lines"][:40]:
        lines.append(
            f"{item['orderId'][:14]}  {item['skuName'][:52]}  x{item['quantity']}  {item['totalForCustomer']}"
        )
    return build_pdf(lines)
