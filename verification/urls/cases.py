"""Routes of the cases pages (see verification/views/cases.py)."""

from django.urls import URLPattern, path

from verification.views import cases

_CASE = "a/<slug:slug>/cases/<int:number>/"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/cases/", cases.case_list, name="case-list"),
    path("a/<slug:slug>/cases/new/", cases.case_create, name="case-create"),
    path(_CASE, cases.case_detail, name="case-detail"),
    path(_CASE + "start/", cases.case_start, name="case-start"),
    path(_CASE + "assign/", cases.case_assign, name="case-assign"),
    path(_CASE + "evidence/", cases.case_evidence_add, name="case-evidence-add"),
    path(_CASE + "grade/", cases.case_grade, name="case-grade"),
    path(_CASE + "locate/", cases.case_locate, name="case-locate"),
    path(_CASE + "propose/", cases.case_propose, name="case-propose"),
    path(_CASE + "review/", cases.case_review, name="case-review"),
    path(_CASE + "withdraw/", cases.case_withdraw, name="case-withdraw"),
    path(_CASE + "reopen/", cases.case_reopen, name="case-reopen"),
]
