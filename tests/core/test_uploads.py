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


def test_the_upload_page_renders_under_unfold_with_its_blocks(client, django_user_model):
    import io

    from django.urls import reverse

    from tests.factories import make_contract, make_partner

    make_contract("C1")
    make_partner("seller", contract_id="C1")
    user = django_user_model.objects.create_superuser("finance", "f@example.com", "pw")
    client.force_login(user)
    url = reverse("settlements-manual-upload")
    html = client.get(url).content.decode()
    assert '<h1 class="upload-title">수기 정산 일괄 등록</h1>' in html
    assert 'type="file" name="file"' in html and 'accept=".csv,.xlsx"' in html
    assert 'value="test"' in html  # the mode radios
    assert reverse("settlements-manual-upload-template", args=["xlsx"]) in html
    assert "음수는 차감(조정)입니다" in html  # the page's own help block

    file = io.BytesIO(
        "파트너 아이디,정산금액,정산일\nseller,12000,2030-01-10\nnobody,abc,2030-01-10\n".encode()
    )
    file.name = "bad.csv"
    errors = client.post(url, {"file": file, "mode": "live"}).content.decode()
    assert 'id="upload-errors"' in errors and 'id="upload-confirm"' not in errors
    assert '<td class="num row">3</td><td class="nowrap">정산금액</td>' in errors

    file = io.BytesIO("파트너 아이디,정산금액,정산일\nseller,12000,2030-01-10\n".encode())
    file.name = "good.csv"
    preview = client.post(url, {"file": file, "mode": "live"}).content.decode()
    assert 'id="upload-confirm"' in preview and "1건 등록" in preview
    assert "<tr><th>모드</th><td>운영</td></tr>" in preview
    assert "12,000원" in preview
