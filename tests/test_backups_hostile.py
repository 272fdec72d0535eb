"""Hostile or damaged backups: refused with the reason before anything is written, rows or files."""

import io
import posixpath
import tarfile

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name
from django.core.management import CommandError
from django.utils._os import safe_join
from hypothesis import given
from hypothesis import strategies as st

from articles.backups import safe_member_name
from articles.models import Article, ArticleAttachment, ImportFile

from .test_backups import IN_MEMORY, files_in_storage, run, stored_archive, use_storage, wiped


@pytest.fixture
def real_backup(archive, admin_client, settings, tmp_path):
    """The members of a backup of a small archive (rows, an import file, an attachment), and the
    archive emptied for a restore: a hostile member added to them is the only thing wrong."""
    use_storage(settings, IN_MEMORY["BACKEND"])
    stored_archive(archive, admin_client)
    backup = tmp_path / "backup.tar.gz"
    run("backup_archive", str(backup))
    wiped()
    use_storage(settings, IN_MEMORY["BACKEND"])
    settings.MEDIA_ROOT = tmp_path / "media-root-unused"
    with tarfile.open(backup, "r:gz") as read:
        return [(member, read.extractfile(member).read()) for member in read.getmembers()]


def backup_with(tmp_path, members, *extra):
    """A .tar.gz of `members` and then `extra` (a TarInfo, or a TarInfo and its bytes)."""
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for each in [*members, *extra]:
            member, data = each if isinstance(each, tuple) else (each, b"")
            member.size = len(data) if member.isreg() else 0
            archive.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return path


def a_file(name, data=b"owned"):
    return tarfile.TarInfo(name), data


def a_link(name, target, kind=tarfile.SYMTYPE):
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, target
    return member


def a_device(name, kind):
    member = tarfile.TarInfo(name)
    member.type = kind
    return member


def refused(path, said):
    with pytest.raises(CommandError, match=said):
        run("restore_archive", str(path))


def nothing_was_restored(tmp_path):
    assert not Article.objects.exists() and not ImportFile.objects.exists()
    assert not ArticleAttachment.objects.exists()
    assert files_in_storage() == []
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert {str(p) for p in written if p.parts[0] != "index"} == {"backup.tar.gz", "hostile.tar.gz"}


@pytest.mark.parametrize(
    "member",
    ["../x", "/tmp/x", "uploads/../x", "uploads/../../x", "uploads/a/../../x", "/uploads/x", "x", "uploads/"],
)
def test_a_member_outside_the_uploads_is_refused(real_backup, tmp_path, member):
    refused(backup_with(tmp_path, real_backup, a_file(member)), f"holds '{member}'; a backup holds only")
    nothing_was_restored(tmp_path)


@pytest.mark.parametrize(
    "member, said",
    [
        (a_link("uploads/imports/x", "/etc/passwd"), "a symbolic link to '/etc/passwd'"),
        (a_link("uploads/imports/x", "../../x"), "a symbolic link to '../../x'"),
        (a_link("uploads/imports/x", "database.json", tarfile.LNKTYPE), "a hard link to 'database.json'"),
        (a_device("uploads/imports/x", tarfile.CHRTYPE), "a device or a pipe"),
        (a_device("uploads/imports/x", tarfile.FIFOTYPE), "a device or a pipe"),
        (a_device("../outside", tarfile.DIRTYPE), "a folder outside uploads/"),
    ],
)
def test_a_link_a_device_or_a_pipe_is_refused(real_backup, tmp_path, member, said):
    refused(backup_with(tmp_path, real_backup, member), f"{said}; a backup holds only regular files")
    nothing_was_restored(tmp_path)


def test_a_member_twice_is_refused(real_backup, tmp_path):
    stored = next(member.name for member, _ in real_backup if member.name.startswith("uploads/"))
    refused(backup_with(tmp_path, real_backup, a_file(stored, b"the second copy")), f"holds '{stored}' twice")
    nothing_was_restored(tmp_path)


def test_a_file_larger_than_the_archive_ever_keeps_is_refused(real_backup, tmp_path, settings):
    settings.PRESSROOM_MAX_UPLOAD_BYTES = 1  # the largest is then an attachment's, 25 MiB
    huge = a_file("uploads/imports/huge.bin", bytes(25 * 1024 * 1024 + 1))
    refused(
        backup_with(tmp_path, real_backup, huge),
        "of 26,214,401 bytes, more than any file the archive keeps .*PRESSROOM_MAX_UPLOAD_BYTES",
    )
    nothing_was_restored(tmp_path)


def test_a_truncated_backup_is_refused_as_unreadable(real_backup, tmp_path):
    whole = backup_with(tmp_path, real_backup).read_bytes()
    (tmp_path / "hostile.tar.gz").write_bytes(whole[: len(whole) // 2])
    refused(tmp_path / "hostile.tar.gz", "is not a Pressroom backup that can be read")
    nothing_was_restored(tmp_path)


def test_a_backup_without_its_rows_is_refused(real_backup, tmp_path):
    files_only = [(member, data) for member, data in real_backup if member.name != "database.json"]
    refused(backup_with(tmp_path, files_only), "holds no database.json; it is not a Pressroom backup")
    nothing_was_restored(tmp_path)


def test_a_backup_whose_rows_are_damaged_is_refused(real_backup, tmp_path):
    damaged = [
        (member, data[: len(data) // 2] if member.name == "database.json" else data)
        for member, data in real_backup
    ]
    refused(backup_with(tmp_path, damaged), "The rows of .* cannot be loaded; nothing was restored")
    nothing_was_restored(tmp_path)


def test_folders_of_a_backup_repacked_with_tar_are_let_through(real_backup, tmp_path):
    folders = [a_device(name, tarfile.DIRTYPE) for name in ("uploads", "uploads/imports")]
    run("restore_archive", str(backup_with(tmp_path, folders, *real_backup)))
    assert ImportFile.objects.get().read() and ArticleAttachment.objects.count() == 2


# Names as a hostile tar holds them: mostly pieces that mean something to a path, after a prefix.
PIECES = st.sampled_from(["..", ".", "", "a.txt", "uploads", "\\", "\x00", "\n", "C:", "~", " "])
MEMBER_NAMES = st.one_of(
    st.text(max_size=40),
    st.tuples(
        st.sampled_from(["uploads/", "uploads/imports/", "/uploads/", "./uploads/", "../", ""]),
        st.lists(st.one_of(PIECES, PIECES, st.text(max_size=3)), min_size=1, max_size=4).map("/".join),
    ).map("".join),
)


@given(MEMBER_NAMES)
def test_a_member_s_stored_name_never_reaches_outside_the_storage(member_name):
    name = safe_member_name(member_name)
    if name is None:
        return
    assert member_name == f"uploads/{name}"
    assert posixpath.normpath(name) == name and ".." not in name.split("/")  # written as it is named
    assert not set(name) & set("\\\x00\r\n")  # no other system's separator, no control character
    assert safe_join("/srv/storage", name) == f"/srv/storage/{name}"
    validate_file_name(name, allow_relative_path=True)  # what Django's storages check before a write


STORED_PART = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="/\\"),
    min_size=1,
    max_size=20,
).filter(lambda part: part not in (".", ".."))


@given(st.lists(STORED_PART, min_size=1, max_size=5).map("/".join))
def test_every_name_a_storage_gives_is_restored_to_itself(name):
    assert safe_member_name(f"uploads/{name}") == name


def test_a_name_that_reaches_outside_is_refused_whatever_django_says():
    for name in (
        "uploads/../x",
        "uploads//x",
        "uploads/x/",
        "uploads/./x",
        "uploads/a\\..\\x",
        "uploads/x\x00",
    ):
        assert safe_member_name(name) is None, name
    with pytest.raises(SuspiciousFileOperation):
        validate_file_name("../x", allow_relative_path=True)
