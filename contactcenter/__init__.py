"""Contact-center platform: IVR, ACD, dialer and CRM on real telephony."""

__version__ = "0.1.0"
