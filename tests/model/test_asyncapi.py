"""AsyncAPI documents -> models (``sim.model.asyncapi``): channels, operations,
replies, local references, each binding's key, merging by address, the overlay,
the gaps, and the JSON pointer of every part that cannot be read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.model.asyncapi import AsyncApiError, import_asyncapi, to_yaml
from sim.model.readers import read_yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "models" / "asyncapi" / "request_reply.asyncapi.yaml"
OVERLAY = ROOT / "models" / "asyncapi" / "request_reply.overlay.yaml"
MODEL = ROOT / "models" / "request_reply.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def v3(tmp_path: Path, channel_bindings: str = "", op_bindings: str = "",
       name: str = "doc.yaml") -> Path:
    """An AsyncAPI 3.0 document: app 'producer' sends to 'orders', app 'consumer'
    receives from it; the bindings (YAML text) go on the channel and the send."""
    return write(tmp_path, name, f"""\
        asyncapi: 3.0.0
        info: {{title: Shop, version: 1.0.0}}
        channels:
          orders:
            address: orders
            bindings: {channel_bindings or '{}'}
        operations:
          place:
            x-application: producer
            action: send
            channel: {{$ref: '#/channels/orders'}}
            bindings: {op_bindings or '{}'}
          fulfil:
            x-application: consumer
            action: receive
            channel: {{$ref: '#/channels/orders'}}
        """)


def test_shipped_document_has_the_topology_of_the_hand_written_model():
    imported = import_asyncapi([DOC])
    hand = read_yaml(MODEL.read_text(encoding="utf-8"))
    assert list(imported.model["nodes"]) == list(hand["nodes"])
    assert imported.model["edges"] == hand["edges"]
    assert {n: a["kind"] for n, a in imported.model["nodes"].items()} == \
        {n: a["kind"] for n, a in hand["nodes"].items()}


def test_shipped_document_with_its_overlay_is_the_hand_written_model():
    imported = import_asyncapi([DOC], OVERLAY)
    hand = read_yaml(MODEL.read_text(encoding="utf-8"))
    assert imported.complete
    assert imported.model["nodes"] == hand["nodes"]
    assert imported.model["edges"] == hand["edges"]
    assert imported.model["run"] == hand["run"]
    imported.validate()


def test_without_overlay_the_missing_numbers_are_listed_not_guessed():
    imported = import_asyncapi([DOC])
    assert not imported.complete
    assert imported.gaps == (
        "nodes.client.rate: the arrival rate (rate or interarrival or clients or trace)",
        "nodes.worker.service: the service time", "nodes.worker.servers: the pool size",
        "nodes.callback.service: the service time", "nodes.callback.servers: the pool size")
    assert "rate" not in imported.model["nodes"]["client"]
    assert "servers" not in imported.model["nodes"]["worker"]
    text = to_yaml(imported)
    assert "# Incomplete" in text and "#   nodes.worker.service" in text


def test_asyncapi_2_6_publish_is_receive_and_subscribe_is_send(tmp_path):
    doc = write(tmp_path, "v2.yaml", """\
        asyncapi: 2.6.0
        info: {title: Billing Service, version: 1.0.0}
        channels:
          invoices:
            publish: {operationId: takeInvoice}
          receipts:
            subscribe: {operationId: sendReceipt}
        """)
    model = import_asyncapi([doc]).model
    assert model["nodes"]["billing-service"] == {"kind": "service"}
    assert ["invoices", "billing-service"] in model["edges"]
    assert ["billing-service", "receipts"] in model["edges"]


def test_asyncapi_2_6_bindings_on_channels_and_operations(tmp_path):
    doc = write(tmp_path, "v2.yaml", """\
        asyncapi: 2.6.0
        info: {title: shop, version: 1.0.0}
        channels:
          orders:
            bindings: {kafka: {partitions: 8}}
            subscribe:
              bindings: {amqp: {expiration: 250, priority: 0}}
        """)
    imported = import_asyncapi([doc])
    assert imported.model["nodes"] == {
        "shop": {"kind": "sender", "priority": 255},
        "orders": {"kind": "queue", "partitions": 8, "ttl": 0.25, "discipline": "priority"}}
    assert "channel 'orders': no application receives from it" in imported.notes


def test_a_channel_nobody_sends_to_is_noted(tmp_path):
    doc = write(tmp_path, "v2.yaml", """\
        asyncapi: 2.6.0
        info: {title: sink, version: 1.0.0}
        channels:
          orders: {publish: {operationId: take}}
        """)
    assert any("'orders': no application sends to it" in note
               for note in import_asyncapi([doc]).notes)


def test_a_send_reply_without_a_receiver_gets_the_senders_callback(tmp_path):
    doc = write(tmp_path, "client.yaml", """\
        asyncapi: 3.0.0
        info: {title: client, version: 1.0.0}
        channels:
          requests: {address: requests}
          responses: {address: responses}
        operations:
          ask:
            action: send
            channel: {$ref: '#/channels/requests'}
            reply: {channel: {$ref: '#/channels/responses'}}
        """)
    model = import_asyncapi([doc]).model
    assert model["nodes"]["client"] == {"kind": "sender"}
    assert model["nodes"]["client-callback"] == {"kind": "service"}
    assert ["responses", "client-callback"] in model["edges"]


def test_documents_are_merged_by_channel_address(tmp_path):
    """Two applications' documents name the shared channel differently (keys 'out' and
    'in') but with one address: one queue between them."""
    producer = write(tmp_path, "p.yaml", """\
        asyncapi: 3.0.0
        info: {title: producer, version: 1.0.0}
        channels:
          out: {address: orders, bindings: {kafka: {partitions: 6}}}
        operations:
          emit: {action: send, channel: {$ref: '#/channels/out'}}
        """)
    consumer = write(tmp_path, "c.yaml", """\
        asyncapi: 2.6.0
        info: {title: consumer, version: 1.0.0}
        channels:
          orders:
            bindings: {kafka: {partitions: 6}}
            publish: {operationId: consume}
        """)
    model = import_asyncapi([producer, consumer]).model
    assert model["nodes"] == {"producer": {"kind": "sender"},
                              "orders": {"kind": "queue", "partitions": 6},
                              "consumer": {"kind": "service"}}
    assert model["edges"] == [["producer", "orders"], ["orders", "consumer"]]


def test_documents_that_disagree_on_a_binding_are_refused_naming_both(tmp_path):
    a = v3(tmp_path, "{kafka: {partitions: 6}}", name="a.yaml")
    b = v3(tmp_path, "{kafka: {partitions: 3}}", name="b.yaml")
    with pytest.raises(AsyncApiError, match=r"b.yaml' #/channels/orders/bindings/kafka/"
                                            r"partitions: channel 'orders': 'partitions' "
                                            r"is 3 here but 6 at .*a.yaml"):
        import_asyncapi([a, b])


# --- each binding maps to its key -----------------------------------------------------

def test_kafka_partitions(tmp_path):
    model = import_asyncapi([v3(tmp_path, "{kafka: {partitions: 12}}")]).model
    assert model["nodes"]["orders"] == {"kind": "queue", "partitions": 12}


def test_sqs_queue_keys(tmp_path):
    doc = v3(tmp_path, "{sqs: {queue: {name: orders, visibilityTimeout: 45, "
                       "redrivePolicy: {deadLetterQueue: {name: dlq}, maxReceiveCount: 4}, "
                       "messageRetentionPeriod: 345600, deliveryDelay: 2}}}")
    assert import_asyncapi([doc]).model["nodes"]["orders"] == {
        "kind": "queue", "ttl": 345600, "latency": 2,
        "delivery": {"mode": "at_least_once", "visibility_timeout": 45, "max_receives": 4}}


def test_sqs_without_max_receive_count_notes_the_default(tmp_path):
    imported = import_asyncapi([v3(tmp_path, "{sqs: {queue: {visibilityTimeout: 10}}}")])
    assert imported.model["nodes"]["orders"]["delivery"] == {"mode": "at_least_once",
                                                              "visibility_timeout": 10}
    assert any("max_receives default (10)" in note for note in imported.notes)


def test_amqp_fanout_exchange_is_a_broadcast_to_a_queue_per_receiver(tmp_path):
    doc = v3(tmp_path, "{amqp: {is: routingKey, exchange: {name: orders, type: fanout}}}")
    extra = write(tmp_path, "audit.yaml", """\
        asyncapi: 3.0.0
        info: {title: audit, version: 1.0.0}
        channels:
          orders: {address: orders}
        operations:
          log: {action: receive, channel: {$ref: '#/channels/orders'}}
        """)
    model = import_asyncapi([doc, extra]).model
    assert model["nodes"]["orders"] == {"kind": "router", "routing": "broadcast"}
    assert model["edges"] == [["producer", "orders"], ["orders", "orders-consumer"],
                              ["orders", "orders-audit"], ["orders-consumer", "consumer"],
                              ["orders-audit", "audit"]]
    assert model["nodes"]["orders-audit"] == {"kind": "queue"}


def test_amqp_expiration_is_the_queues_ttl_in_seconds(tmp_path):
    doc = v3(tmp_path, op_bindings="{amqp: {expiration: 1500}}")
    assert import_asyncapi([doc]).model["nodes"]["orders"] == {"kind": "queue", "ttl": 1.5}


def test_amqp_priority_is_the_senders_priority_lower_first(tmp_path):
    """AMQP serves a higher priority first, asyncsim a lower: priority 9 -> 255 - 9."""
    model = import_asyncapi([v3(tmp_path, op_bindings="{amqp: {priority: 9}}")]).model
    assert model["nodes"]["producer"] == {"kind": "sender", "priority": 246}
    assert model["nodes"]["orders"] == {"kind": "queue", "discipline": "priority"}


# --- parts that cannot be read: the JSON pointer ----------------------------------------

@pytest.mark.parametrize("bindings, pointer", [
    ("{kafka: {partitions: many}}", "#/channels/orders/bindings/kafka/partitions"),
    ("{kafka: {partitions: 0}}", "#/channels/orders/bindings/kafka/partitions"),
    ("{sqs: {queue: {visibilityTimeout: -1}}}",
     "#/channels/orders/bindings/sqs/queue/visibilityTimeout"),
    ("{sqs: {queue: {redrivePolicy: {maxReceiveCount: 2.5}}}}",
     "#/channels/orders/bindings/sqs/queue/redrivePolicy/maxReceiveCount"),
    ("{amqp: [1]}", "#/channels/orders/bindings/amqp"),
])
def test_a_bad_binding_is_refused_with_its_pointer(tmp_path, bindings, pointer):
    with pytest.raises(AsyncApiError, match=f"doc.yaml' {pointer}: must be"):
        import_asyncapi([v3(tmp_path, bindings)])


def test_an_unresolvable_ref_is_refused_with_its_pointer(tmp_path):
    doc = v3(tmp_path, "{$ref: '#/components/channelBindings/missing'}")
    with pytest.raises(AsyncApiError, match=r"#/channels/orders/bindings/\$ref: "
                                            r"'#/components/channelBindings/missing' cannot "
                                            r"be resolved: the document has no 'components'"):
        import_asyncapi([doc])


def test_a_local_ref_to_components_is_followed(tmp_path):
    doc = write(tmp_path, "doc.yaml", """\
        asyncapi: 3.0.0
        info: {title: shop, version: 1.0.0}
        channels:
          orders: {$ref: '#/components/channels/orders'}
        operations:
          place: {action: send, channel: {$ref: '#/channels/orders'}}
        components:
          channels:
            orders: {address: orders, bindings: {$ref: '#/components/channelBindings/k'}}
          channelBindings:
            k: {kafka: {partitions: 3}}
        """)
    assert import_asyncapi([doc]).model["nodes"]["orders"] == {"kind": "queue",
                                                               "partitions": 3}


def test_an_external_ref_is_refused(tmp_path):
    doc = v3(tmp_path, "{$ref: 'common.yaml#/bindings'}")
    with pytest.raises(AsyncApiError, match=r"#/channels/orders/bindings/\$ref: "
                                            r"'common.yaml#/bindings' is not a local"):
        import_asyncapi([doc])


def test_a_ref_loop_is_refused(tmp_path):
    doc = write(tmp_path, "doc.yaml", """\
        asyncapi: 3.0.0
        info: {title: shop, version: 1.0.0}
        channels:
          orders: {$ref: '#/components/channels/a'}
        components:
          channels:
            a: {$ref: '#/components/channels/b'}
            b: {$ref: '#/components/channels/a'}
        """)
    with pytest.raises(AsyncApiError, match="loop of references"):
        import_asyncapi([doc])


@pytest.mark.parametrize("change, pointer, message", [
    (("action: send", "action: sends"), "#/operations/place/action", "must be 'send' or"),
    (("channel: {$ref: '#/channels/orders'}\n    bindings",
      "channel: {$ref: '#/channels/order'}\n    bindings"),
     r"#/operations/place/channel/\$ref", "'#/channels/order' cannot be resolved"),
    (("asyncapi: 3.0.0", "asyncapi: 1.2.0"), "#/asyncapi", "must be an AsyncAPI version"),
])
def test_a_broken_document_names_the_pointer(tmp_path, change, pointer, message):
    path = v3(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(AsyncApiError, match=f"{pointer}: {message}"):
        import_asyncapi([path])


def test_overlay_node_names_are_checked_with_a_suggestion(tmp_path):
    overlay = write(tmp_path, "o.yaml", "nodes: {wroker: {servers: 3}}\n")
    with pytest.raises(AsyncApiError, match=r"o.yaml' #/nodes/wroker: names no node .* "
                                            r"\(did you mean 'worker'\?\)"):
        import_asyncapi([DOC], overlay)


def test_overlay_may_not_give_edges(tmp_path):
    overlay = write(tmp_path, "o.yaml", "edges: []\n")
    with pytest.raises(AsyncApiError, match="#/edges: is not an overlay key"):
        import_asyncapi([DOC], overlay)


def test_overlay_keys_are_checked_against_the_nodes_kind(tmp_path):
    overlay = write(tmp_path, "o.yaml", "nodes: {worker: {sevrers: 3}}\n")
    with pytest.raises(AsyncApiError, match=r"o.yaml' #/nodes/worker/sevrers: is not a key "
                                            r"of a service \(did you mean 'servers'\?\)"):
        import_asyncapi([DOC], overlay)
