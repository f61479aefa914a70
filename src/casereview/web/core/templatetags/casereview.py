from __future__ import annotations

from django import template

from casereview.domain.registers import category_label as _category_label

register = template.Library()


@register.filter
def category_label(code: str) -> str:
    return _category_label(code)
