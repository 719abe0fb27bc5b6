"""Uploads in every shape, and archives that try to hurt."""

from __future__ import annotations

import os
import zipfile

import pytest


from autograder.submission import MAX_FILE_BYTES, load

FILES = ("layers.py",)


def make_zip(path, members: dict, symlinks: dict | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)
    return path


def test_a_single_file_with_any_name_is_the_student_file(tmp_path):
    path = tmp_path / "layers (1).py"
    path.write_text("x = 1\n")
    sub = load(path, FILES)
    assert sub.files == {"layers.py": b"x = 1\n"} and not sub.problems


def test_folder_takes_the_copy_nearest_the_top(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "layers.py").write_text("top = 1\n")
    (tmp_path / "deep" / "er" / "layers.py").write_text("deeper = 1\n")
    assert load(tmp_path, FILES).files["layers.py"] == b"top = 1\n"


def test_macos_and_checkpoint_folders_are_ignored(tmp_path):
    zpath = make_zip(tmp_path / "s.zip", {"__MACOSX/layers.py": "junk", ".ipynb_checkpoints/layers.py": "old",
                                          "hw/layers.py": "real = 1\n"})
    assert load(zpath, FILES).files["layers.py"] == b"real = 1\n"


def test_missing_file_is_a_sentence(tmp_path):
    zpath = make_zip(tmp_path / "s.zip", {"README.md": "hi"})
    sub = load(zpath, FILES)
    assert sub.files == {} and "has no layers.py" in sub.problems[0]


def test_traversal_names_are_read_in_memory_only(tmp_path):
    zpath = make_zip(tmp_path / "s.zip", {"../../escape/layers.py": "x = 2\n", "/abs/evil.py": "y"})
    sub = load(zpath, FILES)
    assert sub.files["layers.py"] == b"x = 2\n"
    assert not (tmp_path.parent / "escape").exists()


def test_symlinks_in_a_zip_are_skipped(tmp_path):
    zpath = make_zip(tmp_path / "s.zip", {}, symlinks={"layers.py": "/etc/passwd"})
    sub = load(zpath, FILES)
    assert sub.files == {} and sub.problems


def test_symlinks_in_a_folder_are_not_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    folder = tmp_path / "sub"
    folder.mkdir()
    os.symlink(secret, folder / "layers.py")
    os.symlink(tmp_path, folder / "loop")
    assert load(folder, FILES).files == {}


def test_zip_bomb_is_capped(tmp_path):
    zpath = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("layers.py", b"\0" * (50 * MAX_FILE_BYTES))
    sub = load(zpath, FILES)
    assert sub.files == {} and "larger than" in sub.problems[0]


def test_zip_that_lies_about_its_size_is_capped(tmp_path):
    zpath = tmp_path / "liar.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("layers.py", b"#" * (3 * MAX_FILE_BYTES))
    raw = bytearray(zpath.read_bytes())
    size = (3 * MAX_FILE_BYTES).to_bytes(4, "little")
    raw = raw.replace(size, (10).to_bytes(4, "little"))  # both headers now claim 10 bytes
    zpath.write_bytes(bytes(raw))
    sub = load(zpath, FILES)
    assert "layers.py" not in sub.files


def test_non_utf8_names_and_contents_survive(tmp_path):
    data = "# 한국어 주석\nx = 1\n".encode("cp949")
    zpath = tmp_path / "s.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        info = zipfile.ZipInfo("과제/layers.py")
        archive.writestr(info, data)
        archive.writestr(zipfile.ZipInfo("\udcff.txt".encode("utf-8", "surrogateescape").decode("cp437")), b"")
    assert load(zpath, FILES).files["layers.py"] == data


def test_corrupt_zip_member_is_a_problem_not_a_crash(tmp_path):
    zpath = make_zip(tmp_path / "s.zip", {"layers.py": "x = 1\n" * 100})
    raw = bytearray(zpath.read_bytes())
    start = raw.index(b"x = 1") if b"x = 1" in raw else 40
    raw[start:start + 10] = b"\xff" * 10
    zpath.write_bytes(bytes(raw))
    sub = load(zpath, FILES)
    assert sub.files == {} and sub.problems


def test_missing_path_is_a_problem(tmp_path):
    assert load(tmp_path / "nope.py", FILES).problems


def test_sha256_depends_on_content_only(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    assert load(tmp_path / "a.py", FILES).sha256 == load(tmp_path / "b.py", FILES).sha256


# ------------------------------------------------------------ odd upload names

@pytest.mark.parametrize("name", ["Layers.py", "layers (1).py", "layers(2).py", "layers-3.py", "layers copy.py",
                                  "LAYERS (4).PY"])
def test_a_copys_name_in_a_folder_is_taken_and_named_in_the_notes(tmp_path, name):
    (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("not code\n")
    sub = load(tmp_path, FILES)
    assert sub.files == {"layers.py": b"x = 1\n"} and not sub.problems
    assert sub.notes == (f"layers.py was graded from {name} in the upload.",)


def test_the_exact_name_wins_over_a_copys_and_needs_no_note(tmp_path):
    (tmp_path / "layers (1).py").write_text("copy = 1\n")
    (tmp_path / "layers.py").write_text("exact = 1\n")
    sub = load(tmp_path, FILES)
    assert sub.files["layers.py"] == b"exact = 1\n" and sub.notes == ()


def test_of_several_copies_the_latest_is_taken(tmp_path):
    for number in (1, 3, 2):
        (tmp_path / f"layers ({number}).py").write_text(f"copy = {number}\n")
    assert load(tmp_path, FILES).files["layers.py"] == b"copy = 3\n"


def test_a_zip_holding_a_copys_name_is_taken(tmp_path):
    path = make_zip(tmp_path / "upload.zip", {"work/Layers.py": "x = 2\n", "__MACOSX/work/._Layers.py": "junk"})
    sub = load(path, FILES)
    assert sub.files == {"layers.py": b"x = 2\n"} and sub.notes == ("layers.py was graded from work/Layers.py in the upload.",)


def test_a_folder_with_one_python_file_of_another_name_stands_for_the_student_file(tmp_path):
    (tmp_path / "my_affine.py").write_text("x = 3\n")
    sub = load(tmp_path, FILES)
    assert sub.files == {"layers.py": b"x = 3\n"} and "from my_affine.py" in sub.notes[0]


def test_two_unrelated_python_files_are_not_guessed_between(tmp_path):
    (tmp_path / "a.py").write_text("a = 1\n")
    (tmp_path / "b.py").write_text("b = 1\n")
    sub = load(tmp_path, FILES)
    assert sub.files == {} and sub.problems and sub.notes == ()


def test_other_files_names_are_not_copies():
    from autograder.submission import copy_number
    assert [copy_number(n, "layers.py") for n in ("layers.py", "Layers.py", "layers (7).py", "layers copy 2.py")] \
        == [0, 0, 7, 2]
    assert all(copy_number(n, "layers.py") is None
               for n in ("mylayers.py", "layers.pyc", "layers (x).py", "layers2.py", "test_layers.py"))


def test_a_lone_file_upload_needs_no_note_whatever_its_name(tmp_path):
    path = tmp_path / "alice.py"  # a batch of per-student files: the name is the student's
    path.write_text("x = 1\n")
    assert load(path, FILES).notes == ()
