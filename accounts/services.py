from typing import Any

import pghistory
from django.db import transaction

from accounts.models import User


@transaction.atomic
def create_user(*, by: User, password: str | None = None, **fields: Any) -> User:
    with pghistory.context(user=by.pk):
        user = User(**fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        return user


@transaction.atomic
def update_user(*, user: User, by: User, **fields: Any) -> User:
    with pghistory.context(user=by.pk):
        for name, value in fields.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save()
        return user
