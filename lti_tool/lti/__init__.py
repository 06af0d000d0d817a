"""The LTI 1.3 adapter: OIDC login and launch, deep linking, AGS, NRPS, tool keys.

This is the only package that imports pylti1p3, and only the modules that need it do: tool keys
(:mod:`lti_tool.lti.keys`) are plain cryptography and PyJWT. What leaves this package is plain
data (``LaunchContext``, JWKS dicts, signed JWT strings), never a pylti1p3 type.
"""
