"""TransferClient: order, order-cancel and manual transfers, get and delete. Thin: validate
(settlements.inputs) -> service -> output."""

from __future__ import annotations

from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test
from core.inputs import validated
from settlements import inputs
from settlements.api.outputs import transfer_json
from settlements.selectors.transfers import transfer_get
from settlements.services.cancel_transfers import order_cancel_transfer_create
from settlements.services.manual_transfers import manual_transfer_create
from settlements.services.order_transfers import order_transfer_create
from settlements.services.transfers import transfer_delete


class OrderTransferView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.OrderTransferInput, body)
        transfer = order_transfer_create(
            is_for_test=is_for_test(request, body), request=inputs.order_transfer_request(data)
        )
        return Response({"transfer": transfer_json(transfer)})


class OrderCancelTransferView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.OrderCancelTransferInput, body)
        transfer = order_cancel_transfer_create(
            is_for_test=is_for_test(request, body),
            request=inputs.order_cancel_transfer_request(data),
        )
        return Response({"transfer": transfer_json(transfer)})


class ManualTransferView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.ManualTransferInput, body)
        transfer = manual_transfer_create(
            is_for_test=is_for_test(request, body), request=inputs.manual_transfer_request(data)
        )
        return Response({"transfer": transfer_json(transfer)})


class TransferView(PortOneApiView):
    def get(self, request, id: str):
        return Response(transfer_json(transfer_get(public_id=id, is_for_test=is_for_test(request))))

    def delete(self, request, id: str):
        transfer_delete(public_id=id, is_for_test=is_for_test(request))
        return Response({})
