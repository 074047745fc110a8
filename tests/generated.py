"""Generated profiles for tests and benchmarks: large, deterministic, and valid."""

from __future__ import annotations

import random

import yaml

_VERBS = ["Built", "Designed", "Migrated", "Cut", "Automated", "Scaled", "Led", "Shipped", "Hardened", "Refactored"]
_THINGS = [
    "the billing pipeline", "a Kubernetes operator", "the CI/CD system", "an inference gateway",
    "the data platform", "a feature store", "the alerting stack", "a Terraform module library",
    "the search service", "an event bus",
]
_OUTCOMES = [
    "cutting costs 30%", "halving p99 latency", "for 40 teams", "with zero downtime",
    "across three regions", "serving 2M requests a day", "in six weeks", "as the sole owner",
]


def _sentence(generator: random.Random, words: int) -> str:
    parts = [generator.choice(_VERBS), generator.choice(_THINGS), generator.choice(_OUTCOMES)]
    while len(" ".join(parts).split()) < words:
        parts.append(generator.choice(["and", "with", "then"]))
        parts.append(generator.choice(_THINGS))
    return " ".join(parts) + "."


def generated_profile(scale: int = 10, seed: int = 7) -> dict:
    """A profile about ``scale`` times the size of the owner's, as plain data."""
    generator = random.Random(seed)
    work = []
    for index in range(6 * scale):
        year = 2025 - index
        work.append({
            "name": f"Company {index}",
            "position": generator.choice(["Engineer", "Senior Engineer", "Staff Engineer", "Lead"]),
            "location": "Tokyo, Japan",
            "startDate": f"{year - 1}-{generator.randint(1, 12):02d}",
            "endDate": "present" if index == 0 else f"{year}-{generator.randint(1, 12):02d}",
            "summary": _sentence(generator, 18),
            "highlights": [_sentence(generator, generator.randint(10, 30)) for _ in range(generator.randint(2, 8))],
        })
    projects = [
        {
            "name": f"project-{index}",
            "description": _sentence(generator, 20),
            "highlights": [_sentence(generator, 14) for _ in range(2)],
            "keywords": ["Rust", "Python", "Kubernetes"],
            "url": f"https://example.com/project-{index}",
            "startDate": "2024",
            "endDate": "present",
        }
        for index in range(4 * scale)
    ]
    return {
        "basics": {
            "name": "Generated Person",
            "label": "Platform Engineer",
            "summary": _sentence(generator, 40),
            "location": {"city": "Tokyo", "countryCode": "JP"},
            "profiles": [{"network": "GitHub", "url": "https://github.com/example"}],
        },
        "skills": [
            {"name": f"Group {index}", "keywords": [generator.choice(_THINGS) for _ in range(6)]}
            for index in range(5 * scale)
        ],
        "work": work,
        "projects": projects,
        "education": [
            {"institution": f"University {index}", "studyType": "MSc", "area": "Computer Science",
             "startDate": str(2000 - 2 * index), "endDate": str(2002 - 2 * index)}
            for index in range(3 * scale)
        ],
        "languages": [{"language": f"Language {index}", "fluency": "fluent"} for index in range(3 * scale)],
    }


def generated_profile_yaml(scale: int = 10, seed: int = 7) -> str:
    """The generated profile as YAML text, sections in a fixed order."""
    return yaml.safe_dump(generated_profile(scale, seed), sort_keys=False, allow_unicode=True, width=100)
