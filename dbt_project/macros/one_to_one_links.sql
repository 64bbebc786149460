{#- One-to-one links on a key (METHOD §2), exactly
    analytics.synth.truth.matching.unique_key_links, within each `group_by`
    value (e.g. the year):

    - NULL ids or keys never link; (id, key) pairs are taken once;
    - a key carried by several ids on either side links none;
    - should an id's keys (step c: names of other years) link it to several
      partners, it links to none: first on the left side, then, among the
      links left, on the right side (the truth's order).

    `left_keys` and `right_keys` name relations (CTEs) with columns
    `group_by`, the id and `key`. Returns a subquery of
    (`group_by`, left_id, right_id).
-#}
{% macro one_to_one_links(left_keys, right_keys, left_id, right_id, group_by='year') -%}
(
    with left_pairs as (
        select distinct {{ group_by }}, {{ left_id }}, key
        from {{ left_keys }}
        where {{ left_id }} is not null and key is not null
    ),

    right_pairs as (
        select distinct {{ group_by }}, {{ right_id }}, key
        from {{ right_keys }}
        where {{ right_id }} is not null and key is not null
    ),

    left_unique_keys as (
        select *
        from left_pairs
        qualify count(*) over (partition by {{ group_by }}, key) = 1
    ),

    right_unique_keys as (
        select *
        from right_pairs
        qualify count(*) over (partition by {{ group_by }}, key) = 1
    ),

    key_pairs as (
        select distinct
            left_unique_keys.{{ group_by }},
            left_unique_keys.{{ left_id }},
            right_unique_keys.{{ right_id }}
        from left_unique_keys
        inner join right_unique_keys
            on left_unique_keys.{{ group_by }} = right_unique_keys.{{ group_by }}
            and left_unique_keys.key = right_unique_keys.key
    ),

    single_partner_left as (
        select *
        from key_pairs
        qualify count(*) over (partition by {{ group_by }}, {{ left_id }}) = 1
    )

    select {{ group_by }}, {{ left_id }}, {{ right_id }}
    from single_partner_left
    qualify count(*) over (partition by {{ group_by }}, {{ right_id }}) = 1
)
{%- endmacro %}
