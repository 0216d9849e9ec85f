"""A bounded look at a WebDAV request body before Radicale parses it.

Radicale parses bodies with defusedxml, but a refused entity surfaces as a 500 with a
traceback, and its handlers walk the tree recursively, so a very deep body exhausts the
stack (a 200,000-deep body crashes the process) and a huge one costs seconds. One streaming
pass here — defusedxml's parser (no DTD, no entities, no external references) feeding a
target that only counts — refuses such bodies with a reason before any tree is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

CHUNK = 64 * 1024


@dataclass(frozen=True)
class XmlLimits:
    depth: int = 48             # a calendar-query filter nests about ten deep
    elements: int = 20_000      # a multiget of some thousand hrefs fits easily


class Refused(ValueError):
    """The body is not XML Radicale should see; the message says why (no body text)."""


class _Counter:
    """An ElementTree parser target that counts nesting and elements, building nothing."""

    def __init__(self, limits: XmlLimits):
        self.limits, self.depth, self.elements, self.root = limits, 0, 0, None

    def start(self, tag, attrib):
        self.root = self.root or tag
        self.depth += 1
        self.elements += 1
        if self.depth > self.limits.depth:
            raise Refused(f"XML nested deeper than {self.limits.depth} elements")
        if self.elements > self.limits.elements:
            raise Refused(f"XML with more than {self.limits.elements} elements")

    def end(self, tag):
        self.depth -= 1

    def data(self, text):
        pass

    def close(self):
        return None


ROOTS = {"PROPFIND": "{DAV:}propfind", "PROPPATCH": "{DAV:}propertyupdate"}


def check(body: bytes, limits: XmlLimits = XmlLimits(), method: str = "") -> None:
    """Raise Refused unless ``body`` is well-formed XML within ``limits`` without a DTD,
    whose root element is the one ``method`` needs (Radicale fails on another)."""
    counter = _Counter(limits)
    parser = DefusedXMLParser(target=counter, forbid_dtd=True,
                              forbid_entities=True, forbid_external=True)
    try:
        for start in range(0, len(body), CHUNK):
            parser.feed(body[start:start + CHUNK])
        parser.close()
    except Refused:
        raise
    except DefusedXmlException as exc:
        raise Refused(f"XML with a DTD or entities is not accepted ({type(exc).__name__})") \
            from None
    except ParseError as exc:
        raise Refused(f"malformed XML: {exc}") from None
    wanted = ROOTS.get(method)
    if wanted and counter.root != wanted:
        raise Refused(f"a {method} body is a {wanted} element")
