import pytest

from policies.models import PlatformSetting

pytestmark = pytest.mark.django_db(transaction=True)


def test_defaults_follow_the_domain_reference(portone):
    setting = portone.platform.get_platform_setting()
    assert setting.settlement_amount_type == "GROSS"
    assert setting.deduct_wht is False
    assert setting.supports_multiple_order_transfers_per_partner is False
    assert setting.adjust_settlement_date_after_holiday_if_earlier is False
    assert setting.is_for_test is False
    assert setting.default_withdrawal_memo is None


def test_update_changes_only_what_is_sent_and_only_in_its_mode(portone):
    updated = portone.platform.update_platform_setting(
        deduct_wht=True, settlement_amount_type="NET", default_deposit_memo="플랫폼정산"
    ).setting
    assert updated.deduct_wht is True
    assert updated.settlement_amount_type == "NET"
    assert updated.default_deposit_memo == "플랫폼정산"
    assert updated.supports_multiple_order_transfers_per_partner is False

    again = portone.platform.update_platform_setting(
        adjust_settlement_date_after_holiday_if_earlier=True
    )
    assert again.setting.deduct_wht is True
    assert again.setting.adjust_settlement_date_after_holiday_if_earlier is True

    test_mode = portone.platform.get_platform_setting(test=True)
    assert test_mode.is_for_test is True
    assert test_mode.deduct_wht is False
    assert PlatformSetting.objects.get(is_for_test=False).history.count() >= 2


def test_invalid_amount_type_is_rejected(portone):
    from portone_server_sdk import errors

    with pytest.raises(errors.InvalidRequestError) as exc:
        portone.platform.update_platform_setting(settlement_amount_type="HALF")
    assert "settlementAmountType" in exc.value.message
