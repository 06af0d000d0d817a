"""The ``BadgeBaker`` port over :mod:`lti_tool.badges.baking`: bake, unbake, and draw images."""

from __future__ import annotations

from lti_tool.badges import baking, images

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Baker:
    """Chooses PNG or SVG baking from the media type (baking) or the bytes (unbaking)."""

    def bake(self, image: bytes, media_type: str, credential: str) -> bytes:
        if media_type == "image/png":
            return baking.bake_png(image, credential)
        if media_type == "image/svg+xml":
            return baking.bake_svg(image, credential)
        raise ValueError(f"only PNG and SVG badges can be baked, not {media_type}")

    def unbake(self, image: bytes) -> str:
        if image.startswith(PNG_SIGNATURE):
            found = baking.unbake_png(image)
        elif image.lstrip()[:1] == b"<":
            found = baking.unbake_svg(image)
        else:
            raise ValueError("the file is neither a PNG nor an SVG image")
        if found is None:
            raise ValueError("the image carries no baked credential")
        return found

    def badge_image(self, title: str, issuer: str, media_type: str) -> bytes:
        if media_type == "image/png":
            return images.render_badge_png()
        if media_type == "image/svg+xml":
            return images.render_badge_svg(title, issuer)
        raise ValueError(f"badge images are PNG or SVG, not {media_type}")
