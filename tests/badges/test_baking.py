"""Baking round trips for PNG and SVG, and refusals of hostile or already baked images."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from lti_tool.badges.baking import (
    BakingError,
    bake_png,
    bake_svg,
    png_chunk,
    unbake_png,
    unbake_svg,
)
from lti_tool.badges.images import render_badge_png, render_badge_svg
from tests.badges.samples import credential

JSON_TEXT = json.dumps(credential())
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize("text", [JSON_TEXT, JWS])
def test_png_round_trip(text: str) -> None:
    base = render_badge_png()
    baked = bake_png(base, text)
    assert unbake_png(baked) == text
    assert unbake_png(base) is None
    assert baked.endswith(png_chunk(b"IEND", b""))


def test_png_itxt_chunk_is_uncompressed_with_the_spec_keyword() -> None:
    baked = bake_png(render_badge_png(size=32), JWS)
    start = baked.index(b"iTXt") + 4
    assert baked[start:].startswith(b"openbadgecredential\0\0\0\0\0" + JWS.encode())


def test_png_refuses_a_second_credential_and_non_png_input() -> None:
    baked = bake_png(render_badge_png(size=32), JWS)
    with pytest.raises(BakingError, match="already carries"):
        bake_png(baked, JWS)
    with pytest.raises(BakingError, match="not a PNG"):
        bake_png(b"GIF89a....", JWS)
    with pytest.raises(BakingError, match="truncated"):
        unbake_png(baked[:-6])
    corrupted = bytearray(baked)
    corrupted[-20] ^= 0xFF
    with pytest.raises(BakingError):
        unbake_png(bytes(corrupted))


def test_png_reads_a_compressed_chunk_from_other_bakers() -> None:
    base = render_badge_png(size=32)
    text = zlib.compress(JSON_TEXT.encode())
    chunk = png_chunk(b"iTXt", b"openbadgecredential\0\x01\x00\0\0" + text)
    baked = base[:-12] + chunk + base[-12:]
    assert unbake_png(baked) == JSON_TEXT


@pytest.mark.parametrize("text", [JSON_TEXT, JWS, '{"odd": "]]> inside"}'])
def test_svg_round_trip(text: str) -> None:
    baked = bake_svg(render_badge_svg("Formative Assessment", "Springfield"), text)
    assert unbake_svg(baked) == text
    source = baked.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in source
    assert source.index("<openbadges:credential") == source.index(">", source.index("<svg")) + 1


def test_svg_jws_goes_in_verify_and_json_in_cdata() -> None:
    svg = render_badge_svg("A", "B")
    assert f'<openbadges:credential verify="{JWS}">' in bake_svg(svg, JWS).decode()
    assert "<![CDATA[{" in bake_svg(svg, JSON_TEXT).decode()


def test_svg_self_closing_root_and_existing_prefix() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"/>'
    baked = bake_svg(svg, JWS)
    assert unbake_svg(baked) == JWS
    assert baked.decode().count("xmlns:openbadges") == 1


def test_svg_refusals() -> None:
    baked = bake_svg(render_badge_svg("A", "B"), JWS)
    with pytest.raises(BakingError, match="already carries"):
        bake_svg(baked, JWS)
    with pytest.raises(BakingError, match="not an SVG"):
        bake_svg(b'<html xmlns="http://www.w3.org/1999/xhtml"/>', JWS)
    with pytest.raises(BakingError, match="well-formed"):
        unbake_svg(b"<svg")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    )
    with pytest.raises(BakingError):
        unbake_svg(bomb)
    with pytest.raises(BakingError, match="UTF-8"):
        bake_svg(
            '<svg xmlns="http://www.w3.org/2000/svg"><title>é</title></svg>'.encode(
                "latin-1"
            ).replace(b"<svg", b'<?xml version="1.0" encoding="ISO-8859-1"?><svg'),
            JWS,
        )
    commented = b'<!-- <svg> --><svg xmlns="http://www.w3.org/2000/svg"/>'
    with pytest.raises(BakingError, match="could not place"):
        bake_svg(commented, JWS)
    with pytest.raises(BakingError, match="another namespace"):
        bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:x"/>', JWS)


def test_rendered_svg_is_accessible_and_escapes_text() -> None:
    svg = render_badge_svg("Data & <Assessment>", "Springfield Public Schools").decode()
    assert 'role="img"' in svg
    assert 'aria-labelledby="badge-title badge-desc"' in svg
    assert '<title id="badge-title">Data &amp; &lt;Assessment&gt;</title>' in svg
    assert "issued by Springfield Public Schools</desc>" in svg
    assert unbake_svg(svg.encode()) is None
    with pytest.raises(ValueError, match="rrggbb"):
        render_badge_svg("A", "B", color="red;stroke:url(javascript:x)")


def test_rendered_png_is_a_valid_rgba_image() -> None:
    png = render_badge_png(size=64, color="#0f766e")
    width, height, depth, color_type = struct.unpack(">IIBB", png[16:26])
    assert (width, height, depth, color_type) == (64, 64, 8, 6)
    assert unbake_png(png) is None
    with pytest.raises(ValueError):
        render_badge_png(size=4)
