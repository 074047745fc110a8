"""Printed labels (section titles, the word for "present") in each supported language.

Dates themselves are localised by Babel; these few words are not in its
data, so they are kept here. A profile can override any section title with
``settings.titles``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Labels:
    """The words a rendered résumé prints around the profile's own text."""

    present: str
    section_titles: dict[str, str]


_LABELS: dict[str, Labels] = {
    "en": Labels("Present", {
        "keyFigures": "Key figures", "skills": "Skills", "work": "Experience", "projects": "Projects",
        "education": "Education", "languages": "Languages", "principles": "Engineering principles",
    }),
    "fr": Labels("Aujourd’hui", {
        "keyFigures": "Chiffres clés", "skills": "Compétences", "work": "Expérience", "projects": "Projets",
        "education": "Formation", "languages": "Langues", "principles": "Principes d’ingénierie",
    }),
    "de": Labels("heute", {
        "keyFigures": "Kennzahlen", "skills": "Kenntnisse", "work": "Berufserfahrung", "projects": "Projekte",
        "education": "Ausbildung", "languages": "Sprachen", "principles": "Arbeitsprinzipien",
    }),
    "es": Labels("Actualidad", {
        "keyFigures": "Cifras clave", "skills": "Competencias", "work": "Experiencia", "projects": "Proyectos",
        "education": "Formación", "languages": "Idiomas", "principles": "Principios de ingeniería",
    }),
    "ja": Labels("現在", {
        "keyFigures": "主要な数字", "skills": "スキル", "work": "職歴", "projects": "プロジェクト",
        "education": "学歴", "languages": "語学", "principles": "エンジニアリングの原則",
    }),
}

SUPPORTED_LANGUAGES = tuple(sorted(_LABELS))


def labels_for(locale: str) -> Labels:
    """Return the labels for ``locale`` (``fr_CA`` uses ``fr``), or English with a warning when it is unknown."""
    language = locale.replace("-", "_").split("_")[0].lower()
    labels = _LABELS.get(language)
    if labels is None:
        logger.warning(
            "no section titles for locale %s; printing them in English (set settings.titles to translate them)",
            locale,
        )
        return _LABELS[DEFAULT_LANGUAGE]
    return labels
