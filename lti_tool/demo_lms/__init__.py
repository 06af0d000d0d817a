"""An LTI 1.3 platform small enough to ship: the demo LMS (``/demo-lms`` in demo mode) and the
tests' fake LMS are both built on it."""
