"""The contract's country list for ``customs_transactions.partner_country``.

CONTRACT: the partner is an ISO 3166-1 alpha-3 code, NULL for an unknown
partner (customs code 701 and the residual "other country" codes);
``reference/customs_countries`` (code, name_zh, iso3) maps the customs codes
to it.  ``ISO3`` holds the 249 officially assigned codes, plus the codes
withdrawn during the sample years that customs records of 2000-2014 still
carry (``FORMER_ISO3``: Netherlands Antilles until 2010, Serbia and
Montenegro 2003-2006, Yugoslavia until 2003, East Timor until 2002).  A
supplied ``reference/customs_countries`` adds its own ``iso3`` values (e.g. a
user-assigned ``XKX`` for Kosovo).
"""

from __future__ import annotations

ISO3_ASSIGNED = frozenset("""
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS BIH
BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB
CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO
GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN
IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA
MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER
NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU
RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA
TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT
WLF WSM YEM ZAF ZMB ZWE
""".split())

FORMER_ISO3 = frozenset({"ANT", "SCG", "YUG", "TMP"})

ISO3 = ISO3_ASSIGNED | FORMER_ISO3
