"""Derive OpenAPI request/response schemas from the PortOne server SDK (dev-time only).

The SDK (`portone-server-sdk`, pinned in requirements-dev.txt) is the schema of our wire-compatible
API, but it ships no OpenAPI document. Its generated code is regular enough to read as one:

- each method of `_generated/platform/**/client.py` and `_generated/b2b/**/client.py` issues one
  `self._sync_client.request(METHOD,
  f"{self._base_url}/path/{quote(id, safe='')}", ...)`, fills `request_body["camelKey"]` from its
  parameters (inside `if x is not None:` when optional), appends query pairs, and returns
  `_deserialize_<type>(response.json())` or `response.text`;
- each `_serialize_<type>` function writes `entity["camelKey"] = ... obj.snake_field ...`, and
  writes `entity["type"] = "ORDER"` for members of discriminated unions;
- `X = Union[Literal["A", "B"], str]` is an enum, `X = Union[A, B, dict]` a union of dataclasses.

Everything is read with `ast` from the installed source; nothing of the SDK is imported, and the
SDK is not a runtime dependency: the running site reads only the committed JSON this writes.

Usage: .venv/bin/python scripts/gen_openapi_schemas.py [--check] [OUTPUT]
(default OUTPUT core/api/openapi_portone.json; --check exits 1 when the file is out of date).

This is not a general OpenAPI generator: it understands exactly the shapes the SDK's code
generator emits and fails loudly on anything else, so a new SDK version cannot slip in silently.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

SDK_PACKAGE = "portone_server_sdk"
SDK_DISTRIBUTION = "portone-server-sdk"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "core" / "api" / "openapi_portone.json"
REF = "#/components/schemas/"

PRIMITIVES = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "dict": {"type": "object"},
    "Any": {},
}


@dataclass
class Definition:
    """A top-level name of the SDK: a dataclass, a Union/Literal alias, and its serializer."""

    name: str
    module: str
    node: ast.ClassDef | ast.Assign
    serializer: ast.FunctionDef | None = None


@dataclass
class SchemaBuilder:
    definitions: dict[str, Definition]
    components: dict[str, dict] = field(default_factory=dict)

    # -- types -------------------------------------------------------------------------------

    def schema_for(self, annotation: ast.expr) -> tuple[dict, bool]:
        """JSON schema of a type annotation, and whether it is Optional."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = ast.parse(annotation.value, mode="eval").body
        if isinstance(annotation, ast.Subscript):
            head = ast.unparse(annotation.value)
            if head == "Optional":
                return self.schema_for(annotation.slice)[0], True
            if head in ("list", "List"):
                return {"type": "array", "items": self.schema_for(annotation.slice)[0]}, False
            if head in ("dict", "Dict"):
                inner = annotation.slice
                expect(isinstance(inner, ast.Tuple), ast.unparse(annotation))
                expect(ast.unparse(inner.elts[0]) == "str", ast.unparse(annotation))
                values = self.schema_for(inner.elts[1])[0]
                return {"type": "object", "additionalProperties": values}, False
            raise ValueError(f"unsupported annotation {ast.unparse(annotation)}")
        if isinstance(annotation, ast.Name):
            if annotation.id in PRIMITIVES:
                return dict(PRIMITIVES[annotation.id]), False
            self.component(annotation.id)
            return {"$ref": REF + annotation.id}, False
        raise ValueError(f"unsupported annotation {ast.unparse(annotation)}")

    def component(self, name: str) -> None:
        if name in self.components:
            return
        definition = self.definitions.get(name)
        if definition is None:
            raise KeyError(f"{name} is not a top-level name of the SDK")
        self.components[name] = {}  # placeholder: breaks recursion
        if isinstance(definition.node, ast.ClassDef):
            self.components[name] = self.object_schema(definition)
        else:
            self.components[name] = self.alias_schema(definition)

    def object_schema(self, definition: Definition) -> dict:
        node = definition.node
        assert isinstance(node, ast.ClassDef)
        keys, constants = serialized_keys(definition)
        properties: dict[str, dict] = {}
        required: list[str] = []
        for key, value in constants.items():
            properties[key] = {"type": "string", "enum": [value]}
            required.append(key)
        extra: dict | None = None
        body = node.body
        for index, statement in enumerate(body):
            if not isinstance(statement, ast.AnnAssign):
                continue
            assert isinstance(statement.target, ast.Name)
            attribute = statement.target.id
            if attribute == "additional_properties":
                # Serialized as the object's own keys (`for key, value in ....items()`).
                extra = self.schema_for(statement.annotation)[0]["additionalProperties"]
                continue
            if attribute not in keys:
                raise ValueError(f"{definition.name}.{attribute} is never serialized")
            schema, optional = self.schema_for(statement.annotation)
            doc = docstring_after(body, index)
            if doc:
                schema = {"description": doc, **schema} if "$ref" not in schema else schema
            properties[keys[attribute]] = schema
            if not optional:
                required.append(keys[attribute])
        schema: dict = {"type": "object", "properties": properties}
        if extra is not None:
            schema["additionalProperties"] = extra
        if required:
            schema["required"] = required
        doc = ast.get_docstring(node)
        if doc:
            schema["description"] = doc
        return schema

    def alias_schema(self, definition: Definition) -> dict:
        node = definition.node
        assert isinstance(node, ast.Assign)
        value = node.value
        members = union_members(value)
        literals = [m for m in members if is_literal(m)]
        if literals:
            # Union[Literal[...], str]: the SDK keeps unknown values as str; the API documents
            # the listed ones.
            expect(len(literals) == 1, definition.name)
            return {"type": "string", "enum": literal_values(literals[0])}
        names = [ast.unparse(m) for m in members if ast.unparse(m) != "dict"]
        for name in names:
            self.component(name)
        schema: dict = {"oneOf": [{"$ref": REF + name} for name in names]}
        tags = {}
        for name in names:
            member = self.definitions[name]
            if not isinstance(member.node, ast.ClassDef):
                break
            constant = serialized_keys(member)[1].get("type")
            if constant is None:
                break
            tags[constant] = REF + name
        else:
            schema["discriminator"] = {"propertyName": "type", "mapping": tags}
        return schema


# -- SDK source helpers ------------------------------------------------------------------------


def expect(condition: bool, what: str) -> None:
    """Refuse SDK code shaped differently from what this script understands (not `assert`:
    `python -O` must not turn a misread into a wrong schema)."""
    if not condition:
        raise ValueError(f"unexpected SDK code: {what}")


def union_members(value: ast.expr) -> list[ast.expr]:
    if isinstance(value, ast.Subscript) and ast.unparse(value.value) == "Union":
        inner = value.slice
        return list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
    return [value]


def is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal"


def literal_values(node: ast.expr) -> list[str]:
    assert isinstance(node, ast.Subscript)
    inner = node.slice
    elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
    return [ast.literal_eval(element) for element in elements]


def docstring_after(body: list[ast.stmt], index: int) -> str | None:
    if index + 1 < len(body):
        following = body[index + 1]
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            text = following.value.value
            if isinstance(text, str) and text.strip():
                return "\n".join(line.strip() for line in text.strip().splitlines())
    return None


def subscript_key(target: ast.expr, variable: str) -> str | None:
    """'key' for `variable["key"]`, else None."""
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == variable
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    ):
        return target.slice.value
    return None


def serialized_keys(definition: Definition) -> tuple[dict[str, str], dict[str, str]]:
    """From `_serialize_<name>`: {attribute: JSON key} and {JSON key: constant value}."""
    if definition.serializer is None:
        raise ValueError(f"no serializer for {definition.name}")
    keys: dict[str, str] = {}
    constants: dict[str, str] = {}
    for node in ast.walk(definition.serializer):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        key = subscript_key(node.targets[0], "entity")
        if key is None:
            continue
        if isinstance(node.value, ast.Constant):
            constants[key] = node.value.value
            continue
        attributes = {
            sub.attr
            for sub in ast.walk(node.value)
            if isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Name)
            and sub.value.id == "obj"
        }
        if len(attributes) != 1:
            raise ValueError(f"cannot tell which field {definition.name}[{key!r}] comes from")
        keys[attributes.pop()] = key
    return keys, constants


def snake_to_serializer(name: str) -> str:
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index and name[index - 1] != "_":  # Map_Stat -> map_stat
            out.append("_")
        out.append(char.lower())
    return "_serialize_" + "".join(out)


def sdk_root() -> Path:
    spec = importlib.util.find_spec(SDK_PACKAGE)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{SDK_PACKAGE} is not installed: pip install -r requirements-dev.txt")
    return Path(spec.origin).parent


def index_definitions(generated: Path) -> dict[str, Definition]:
    definitions: dict[str, Definition] = {}
    serializers: dict[str, ast.FunctionDef] = {}
    for path in sorted(generated.rglob("*.py")):
        if path.name == "client.py" or "errors" in path.parts or path.name == "errors.py":
            # Clients are read separately; the `errors` packages re-declare error unions under
            # the same names and are not part of any 200 response.
            continue
        module = ".".join(path.relative_to(generated).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            found: Definition | None = None
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(d) == "dataclass" for d in node.decorator_list
            ):
                found = Definition(node.name, module, node)
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Subscript)
                and ast.unparse(node.value.value) in ("Union", "Literal")
            ):
                found = Definition(node.targets[0].id, module, node)
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("_serialize_"):
                serializers[f"{module}:{node.name}"] = node
            if found is not None:
                other = definitions.get(found.name)
                if other is not None and ast.dump(other.node) != ast.dump(found.node):
                    raise ValueError(f"{found.name} defined in {other.module} and {found.module}")
                definitions.setdefault(found.name, found)
    for definition in definitions.values():
        definition.serializer = serializers.get(
            f"{definition.module}:{snake_to_serializer(definition.name)}"
        )
    return definitions


# -- client methods ----------------------------------------------------------------------------


def request_call(function: ast.FunctionDef) -> ast.Call | None:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "request"
            and ast.unparse(node.func.value) == "self._sync_client"
        ):
            return node
    return None


def path_template(node: ast.expr) -> tuple[str, list[str]]:
    """'/platform/partners/{id}' and ['id'] from f"{self._base_url}/platform/partners/{quote(id,
    safe='')}"."""
    expect(isinstance(node, ast.JoinedStr), ast.unparse(node))
    parts: list[str] = []
    names: list[str] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(value.value)
            continue
        assert isinstance(value, ast.FormattedValue)
        expression = ast.unparse(value.value)
        if expression == "self._base_url":
            continue
        call = value.value
        expect(isinstance(call, ast.Call), expression)
        expect(ast.unparse(call.func) == "quote", expression)
        name = ast.unparse(call.args[0])
        names.append(name)
        parts.append("{" + name + "}")
    return "".join(parts), names


def guarded_by(function: ast.FunctionDef) -> dict[int, str]:
    """id(statement) -> parameter for statements inside `if <parameter> is not None:`."""
    guards: dict[int, str] = {}
    for node in ast.walk(function):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.ops[0], ast.IsNot)
            and isinstance(node.test.left, ast.Name)
        ):
            for statement in node.body:
                guards[id(statement)] = node.test.left.id
    return guards


def describe_operation(
    builder: SchemaBuilder, function: ast.FunctionDef, call: ast.Call, owner: str
) -> tuple[str, dict]:
    method = ast.literal_eval(call.args[0])
    path, path_names = path_template(call.args[1])
    parameters = {
        arg.arg: arg.annotation for arg in function.args.kwonlyargs if arg.annotation is not None
    }
    guards = guarded_by(function)
    body_properties: dict[str, dict] = {}
    body_required: list[str] = []
    query: list[dict] = []
    body_in_query = False
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            key = subscript_key(node.targets[0], "request_body")
            if key is None:
                continue
            used = [n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)]
            source = [name for name in used if name in parameters]
            expect(len(source) == 1, ast.unparse(node))
            schema, _ = builder.schema_for(parameters[source[0]])
            body_properties[key] = schema
            if id(node) not in guards:
                body_required.append(key)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and ast.unparse(node.func.value) == "query"
        ):
            name_node, value_node = node.args[0].elts
            name = ast.literal_eval(name_node)
            if name == "requestBody":
                body_in_query = True
                continue
            expect(isinstance(value_node, ast.Name), ast.unparse(node))
            schema, _ = builder.schema_for(parameters[value_node.id])
            query.append({"in": "query", "name": name, "required": False, "schema": schema})
    body_keywords = {keyword.arg for keyword in call.keywords}

    operation: dict = {
        "x-portone-sdk-method": f"{owner}.{function.name}",
        "pathParameters": path_names,
        **docstring_summary(function),
    }
    body_schema: dict | None = None
    if body_properties or body_in_query or "json" in body_keywords:
        body_schema = {"type": "object", "properties": body_properties}
        if body_required:
            body_schema["required"] = body_required
        body_name = _body_component_name(function.name)
        if body_name in builder.definitions or body_name in builder.components:
            raise ValueError(f"request body name {body_name} is taken")
        builder.components[body_name] = body_schema
        body_schema = {"$ref": REF + body_name}
    if body_in_query:
        # GET bodies travel as one JSON-encoded query parameter, exactly as the SDK sends them.
        query.append(
            {
                "in": "query",
                "name": "requestBody",
                "required": False,
                "content": {"application/json": {"schema": body_schema}},
            }
        )
    elif body_schema is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema}},
        }
    operation["parameters"] = query
    operation["responses"] = {"200": response_for(builder, function)}
    return f"{method} {path}", operation


def docstring_summary(function: ast.FunctionDef) -> dict[str, str]:
    """The SDK's Korean title and text: '계약 다건 조회' / '여러 계약을 조회합니다.'.

    A docstring is paragraphs: a one-line title (absent on some methods), text, an indented
    `Warning:` block, then `Args:`/`Raises:`; the title and the text before `Args:` are kept.
    """
    paragraphs = []
    for paragraph in (ast.get_docstring(function) or "").split("\n\n"):
        lines = [line.strip() for line in paragraph.strip().splitlines()]
        if not lines:
            continue
        if lines[0].rstrip(":") in ("Args", "Raises", "Returns"):
            break
        if lines[0] == "Warning:":
            lines = ["Warning: " + " ".join(lines[1:])]
        paragraphs.append("\n".join(lines))
    out = {}
    if paragraphs and "\n" not in paragraphs[0] and not paragraphs[0].startswith("Warning:"):
        out["summary"] = paragraphs.pop(0)
    if paragraphs:
        out["description"] = "\n\n".join(paragraphs)
    return out


def _body_component_name(method_name: str) -> str:
    words = method_name.split("_")
    return "".join(word[:1].upper() + word[1:] for word in words) + "RequestBody"


def response_for(builder: SchemaBuilder, function: ast.FunctionDef) -> dict:
    returns = [node for node in ast.walk(function) if isinstance(node, ast.Return)]
    if not returns or returns[-1].value is None:
        # attach-file and delete-attachment: the SDK ignores the body (we answer `{}`).
        return {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    final = returns[-1].value
    assert final is not None
    if ast.unparse(final) == "response.text":
        # The SDK hands back the body as text; the API documents it as a CSV download.
        return {
            "description": "CSV file",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    assert function.returns is not None
    schema, _ = builder.schema_for(function.returns)
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def build(root: Path) -> dict:
    generated = root / "_generated"
    builder = SchemaBuilder(index_definitions(generated))
    operations: dict[str, dict] = {}
    paths = [*sorted((generated / "platform").rglob("client.py"))]
    paths += sorted((generated / "b2b").rglob("client.py"))
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for klass in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            for function in klass.body:
                if not isinstance(function, ast.FunctionDef):
                    continue
                call = request_call(function)
                if call is None:
                    continue
                key, operation = describe_operation(builder, function, call, klass.name)
                if key in operations:
                    # The platform facade and a sub-client may expose the same endpoint.
                    if operations[key]["responses"] != operation["responses"]:
                        raise ValueError(f"{key} is implemented twice, differently")
                    continue
                operations[key] = operation
    return {
        "info": {
            "generator": "scripts/gen_openapi_schemas.py",
            "sdk": f"{SDK_DISTRIBUTION}=={importlib.metadata.version(SDK_DISTRIBUTION)}",
        },
        "operations": operations,
        "components": {"schemas": builder.components},
    }


def render(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if OUTPUT is out of date")
    args = parser.parse_args(argv)
    text = render(build(sdk_root()))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            sys.stderr.write(f"{args.output} is out of date: run {Path(__file__).name}\n")
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    document = json.loads(text)
    sys.stdout.write(
        f"{args.output}: {len(document['operations'])} operations, "
        f"{len(document['components']['schemas'])} component schemas\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
