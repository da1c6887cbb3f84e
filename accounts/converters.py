"""The `<username:...>` URL converter: the characters a username may hold
(Django's username validator: letters, digits and @ . + - _), so an address with
anything else, a null character say, is simply not found."""

from django.urls import register_converter


class UsernameConverter:
    regex = r"[\w.@+-]{1,150}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UsernameConverter, "username")
