"""The absence thresholds as the SQL compares them."""


def sql_number(value: float) -> int | float:
    """A threshold (a % of possible sessions) as a query parameter.

    A whole number goes as an integer, so PostgreSQL compares whole sessions in integer arithmetic
    (absent × 100 ≥ 50 × possible) rather than in numeric: the same answer, since both are exact,
    and quicker over every pupil's figures (about a second over the severely absent nationally).
    Any other value goes as it is, and is compared exactly as numeric.
    """
    number = float(value)
    return int(number) if number.is_integer() else number
