"""The register's people."""

from __future__ import annotations

import pghistory
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

CUSTOMER_NUMBER_SEQUENCE = "customers_customer_number_seq"
_WEIGHTS = (7, 3, 1)


def customer_number_check_digit(base: str) -> str:
    """Return the check digit of a customer number's base (the Finnish 7-3-1 method).

    The same method as Finnish bank reference numbers, so any single mistyped digit and most
    swaps of neighbouring digits give a number that does not validate.
    """
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return str((10 - total % 10) % 10)


def is_valid_customer_number(number: str) -> bool:
    return (
        number.isdigit()
        and len(number) >= 2
        and customer_number_check_digit(number[:-1]) == number[-1]
    )


class CustomerQuerySet(models.QuerySet):
    def next_customer_number(self) -> str:
        """Take the next number from the database sequence and append its check digit."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [CUSTOMER_NUMBER_SEQUENCE])
            (base,) = cursor.fetchone()
        return f"{base}{customer_number_check_digit(str(base))}"


@pghistory.track()
class Customer(models.Model):
    """A natural person in the register."""

    customer_number = models.CharField(_("customer number"), max_length=12, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.customer_number:
            self.customer_number = Customer.objects.next_customer_number()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        """Return the first and last name."""
        return f"{self.first_name} {self.last_name}".strip()
