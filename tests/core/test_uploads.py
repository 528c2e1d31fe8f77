from types import SimpleNamespace

from core.files.stage import UploadStage


def test_an_upload_is_taken_once_and_only_with_its_check(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    stage = UploadStage("uploads", "key")
    request = SimpleNamespace(session={})
    check = stage.put(request, b"rows")
    assert stage.take(SimpleNamespace(session=dict(request.session)), "wrong") is None
    assert stage.take(request, check) == b"rows"
    assert stage.take(request, check) is None
    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_new_upload_replaces_the_previous_one(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    stage = UploadStage("uploads", "key")
    request = SimpleNamespace(session={})
    stage.put(request, b"first")
    stage.put(request, b"second")
    assert len(list((tmp_path / "uploads").iterdir())) == 1
    assert stage.take(request) == b"second"
