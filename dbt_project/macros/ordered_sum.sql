{#- ordered_sum(expr): the sum of a DOUBLE expression over a group, the same
    bits in every run.

    Floating-point addition is not associative, and DuckDB's parallel hash
    aggregation adds a group's rows in the order its threads happen to meet
    them, so a plain `sum` over doubles can differ in its last bits from one
    build to the next (measured on the tiny world: C, DVAR, HHI, the CRA
    terms, up to ~1e-15 relative). Those bits then move winsorisation cut
    points, bins and every estimate downstream.

    `sum(x order by x)` adds the group's values in ascending order of the
    value itself: a total order on the multiset of values (rows that tie
    carry the same value), so the result depends only on the values, not on
    the row order, the thread count or the input's physical layout -- and it
    needs no key column in the group. Why not the alternatives:
    - DECIMAL sums are exact, but the contract's amounts are floats
      (value_usd, sales, output), the shares and CRA terms are not decimal at
      all, and a cast fails on NaN / infinity or overflows beyond 38 digits;
    - rounding leaves values that straddle a rounding boundary varying;
    - one DuckDB thread would make every query serial.
    Cost: DuckDB sorts each group's values (about 4x the plain sum's time
    for that aggregate, measured on 10M rows / 200k groups); integer sums
    (employment) are exact and need none of this. -#}
{% macro ordered_sum(expr) -%}
sum({{ expr }} order by {{ expr }})
{%- endmacro %}
