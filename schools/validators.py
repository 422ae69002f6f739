from django.core.validators import RegexValidator

validate_urn = RegexValidator(
    r"^[0-9]{6}\Z", "Enter a URN of exactly 6 digits, like 100001", code="urn_shape"
)
validate_establishment_number = RegexValidator(
    r"^[0-9]{3}-[0-9]{4}\Z",
    "Enter the LA establishment number as 3 digits, a hyphen and 4 digits, like 851-2001",
    code="establishment_number_shape",
)
