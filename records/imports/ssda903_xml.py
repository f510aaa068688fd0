"""The XML form of the SSDA903 return, read into the same rows as its CSV tables.

The XML return has the root EXPSSDA903 and one CHILD element per child, each holding a HEADER
(CHILDID - the CSV Header's CHILD - with SEX, DOB, ETHNIC, UPN and more) and one EPISODE per
episode of care (DECOM, RNE, LS, CIN, PL - the CSV's PLACE - DEC, REC, ...), with the CSV's
dd/mm/yyyy dates (../shared/reference/DOMAIN.md section (i); the element names as the
SocialFinanceDigitalLabs 903 tools write them). Each HEADER becomes a Header row and each
EPISODE an Episodes row carrying its CHILD's id, so records/imports/ssda903.py applies the
same rules to both forms. Header row n is the n-th CHILD, Episodes row n the n-th EPISODE.

The file is parsed as a stream with defusedxml (no DTD, no entities), as the CIN census is,
and each CHILD is dropped from the tree once its rows are handed on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from records.imports.base import FileUnreadableError

ROOT = "EXPSSDA903"
# The XML's element name for each CSV column the import reads, where they differ.
HEADER_NAMES = {"CHILD": ("CHILDID", "CHILD")}
EPISODE_NAMES = {"PLACE": ("PL", "PLACE")}
HEADER_READ = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_READ = ("DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "PL_LA")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].upper()


def _values(element: Element | None, read: tuple[str, ...], names: dict) -> dict[str, str]:
    texts: dict[str, str] = {}
    if element is not None:
        for item in element:
            texts.setdefault(_local(item.tag), (item.text or "").strip())
    return {
        column: next((texts[name] for name in names.get(column, (column,)) if name in texts), "")
        for column in read
    }


def looks_like_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_903_xml(path: Path) -> Iterator[tuple[str, int, dict[str, str], str]]:
    """The rows of an XML return as records/imports/ssda903.py reads its CSV tables, each
    CHILD's Header row then its Episodes rows, as (table, row, values, ""), read as a
    stream; FileUnreadableError when it is not well-formed EXPSSDA903 XML."""
    headers = episodes = 0
    parents: list[Element] = []
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if not parents and _local(element.tag) != ROOT:
                    raise FileUnreadableError(
                        f"This is not an SSDA903 XML return: its root element is not {ROOT}"
                    )
                parents.append(element)
                continue
            parents.pop()
            if len(parents) != 1 or _local(element.tag) != "CHILD":
                continue
            header = next((e for e in element if _local(e.tag) == "HEADER"), None)
            values = _values(header, HEADER_READ, HEADER_NAMES)
            headers += 1
            yield "Header", headers, values, ""
            for item in element:
                if _local(item.tag) == "EPISODE":
                    episodes += 1
                    episode = _values(item, EPISODE_READ, EPISODE_NAMES)
                    yield "Episodes", episodes, {"CHILD": values["CHILD"], **episode}, ""
            # Memory stays flat however long the file: the CHILD is dropped from the root,
            # not only emptied.
            parents[-1].remove(element)
    except ParseError as error:
        raise FileUnreadableError(
            f"The file is not well-formed XML (line {error.position[0]})"
        ) from error
    except DefusedXmlException as error:
        raise FileUnreadableError(
            "The file declares a DTD or entities, which an SSDA903 return never does"
        ) from error
    if not headers:
        raise FileUnreadableError("The SSDA903 XML return holds no CHILD elements")


_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:CHILD|EPISODE)[\s>]")


def count_903_xml_rows(path: Path) -> int:
    """About how many Header and Episodes rows the XML holds, for the progress bar (a quick
    byte scan, as records/imports/cin_rows.py counts a census's children)."""
    count, tail = 0, b""
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            data = tail + chunk
            count += len(_ROW_TAG.findall(data))
            tail = data[-6:]  # shorter than any match, so none is counted twice
    return count
