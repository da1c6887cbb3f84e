"""What the API's tests share."""


def bearer(plain: str) -> dict:
    """The header a client sends its personal access token in."""
    return {"Authorization": f"Bearer {plain}"}
