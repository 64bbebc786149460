{#- METHOD §2 name normalisation in SQL.

    NFKC restricted to what occurs in Chinese firm files (full-width ASCII
    U+FF01-U+FF5E and the ideographic space U+3000 become half-width), then
    remove all whitespace and the brackets ()[]{}【】〔〕「」『』《》〈〉, then
    replace 有限责任公司 by 有限公司.  NULL or empty gives NULL.
-#}
{% macro normalise_name(expr) -%}
nullif(
    replace(
        regexp_replace(
            translate({{ expr }}, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '),
            '[\s()\[\]{}【】〔〕「」『』《》〈〉]', '', 'g'
        ),
        '有限责任公司', '有限公司'
    ),
    ''
)
{%- endmacro %}
