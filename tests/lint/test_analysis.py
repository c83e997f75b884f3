"""What rules can ask about code: qualified names, aliases, chains, loops, resolution."""
import textwrap

import libcst as cst
import pytest

from tfcompat.lint.analysis import patterns, scopes
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.rule import Rule


def probe(source, ask):
    """{call source: ask(rule, call)} for every call in ``source``, asked during the traversal."""
    answers = {}

    class Probe(Rule):
        code, name, message = "TFC899", "probe-rule", "probe"

        def visit_Call(self, node):
            answers[self.code_for(node)] = ask(self, node)

    Linter([Probe]).check(textwrap.dedent(source))
    return answers


@pytest.mark.parametrize("source,call,expected", [
    ("import tensorflow as tf\ntf.data.Dataset.range(1)\n", "tf.data.Dataset.range(1)",
     "tensorflow.data.Dataset.range"),
    ("from tensorflow import data\ndata.Dataset.range(1)\n", "data.Dataset.range(1)",
     "tensorflow.data.Dataset.range"),
    ("from tensorflow.keras import backend as K\nK.get_session()\n", "K.get_session()",
     "tensorflow.keras.backend.get_session"),
    ("import keras.backend as K\nK.get_session()\n", "K.get_session()",
     "keras.backend.get_session"),
    ("import keras\nkeras.backend.get_session()\n", "keras.backend.get_session()",
     "keras.backend.get_session"),
    ("import tensorflow.compat.v1 as tf\ntf.Session()\n", "tf.Session()", "tensorflow.Session"),
    ("import tensorflow\ntensorflow.compat.v1.data.make_one_shot_iterator(d)\n",
     "tensorflow.compat.v1.data.make_one_shot_iterator(d)",
     "tensorflow.data.make_one_shot_iterator"),
    ("from tensorflow.compat.v1.data import Iterator as It\nIt.from_structure(t)\n",
     "It.from_structure(t)", "tensorflow.data.Iterator.from_structure"),
    ("def f():\n    import tensorflow as tf\n    tf.Session()\n", "tf.Session()",
     "tensorflow.Session"),
    ("tf.Session()\n", "tf.Session()", None),  # no import: a local name, not TensorFlow
    ("from . import tf\ntf.Session()\n", "tf.Session()", None),
    ("import tensorflow as tf\nget_model()[0].fit()\n", "get_model()[0].fit()", None),
])
def test_qualified_names_follow_imports_and_aliases(source, call, expected):
    assert probe(source, lambda rule, node: rule.qualified_name(node.func))[call] == expected


def test_canonical_false_keeps_compat_v1():
    found = probe("import tensorflow.compat.v1 as tf\ntf.Session()\n",
                  lambda rule, node: rule.qualified_name(node.func, canonical=False))
    assert found["tf.Session()"] == "tensorflow.compat.v1.Session"


def test_import_alias_is_the_module_level_name():
    source = """
        import numpy as np
        import tensorflow as tf
        import tensorflow.compat.v1 as v1
        def f():
            import tensorflow as local_tf
            g()
        """
    def ask(rule, node):
        return (rule.import_alias("tensorflow"), rule.import_alias("tensorflow.compat.v1"),
                rule.import_alias("jax"))

    assert probe(source, ask)["g()"] == ("tf", "v1", None)


def _chain(rule, node):
    if rule.code_for(node.func) != "model.fit":
        return None
    return [c.func.attr.value if isinstance(c.func, cst.Attribute) else rule.code_for(c.func)
            for c in rule.method_chain(node.args[0].value)]


def test_method_chain_follows_reassignments_of_one_name():
    source = """
        import tensorflow as tf
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        ds = ds.repeat()
        if training:
            ds = ds.shuffle(1000)
        ds = ds.batch(32).prefetch(1)
        model.fit(ds)
        """
    assert probe(source, _chain)["model.fit(ds)"] == [
        "from_tensor_slices", "repeat", "shuffle", "batch", "prefetch"]


def test_method_chain_stays_in_its_scope_and_stops_at_unknowns():
    source = """
        ds = make().repeat()
        def train(ds):
            ds = ds.shuffle(8)
            model.fit(ds.batch(4))
        def other():
            model.fit(ds.batch(2))
        """
    found = probe(source, _chain)
    # `ds` in train() is a parameter: the chain ends there, not at the module's `ds`.
    assert found["model.fit(ds.batch(4))"] == ["shuffle", "batch"]
    # other() sees the module's `ds` through its closure.
    assert found["model.fit(ds.batch(2))"] == ["make", "repeat", "batch"]


def test_method_chain_uses_the_assignment_before_the_use():
    source = """
        ds = a.shuffle(1)
        model.fit(ds)
        ds = b.repeat()
        """
    assert probe(source, _chain)["model.fit(ds)"] == ["shuffle"]


def test_resolve_stops_at_a_binding_it_cannot_follow():
    source = """
        it = ds.make_one_shot_iterator()
        it, other = pair()
        use(it)
        for it in its:
            use_again(it)
        """
    found = probe(source, lambda rule, node: rule.resolve(node.args[0].value)
                  if rule.code_for(node.func).startswith("use") else "not asked")
    assert found["use(it)"] is None and found["use_again(it)"] is None


def test_resolve_skips_class_bodies_for_methods():
    source = """
        it = module_level()
        class C:
            it = class_level()
            def m(self):
                use(it)
        """
    found = probe(source, lambda rule, node: rule.code_for(rule.resolve(node.args[0].value))
                  if rule.code_for(node.func) == "use" else None)
    assert found["use(it)"] == "module_level()"


@pytest.mark.parametrize("source,expected", [
    ("for a in b:\n    f()\n", ["For"]),
    ("for a in f():\n    pass\n", []),
    ("for a in b:\n    pass\nelse:\n    f()\n", []),
    ("while f():\n    pass\n", ["While"]),
    ("[f() for a in b]\n", ["ListComp"]),
    ("[a for a in f()]\n", []),
    ("{a: f() for a in b}\n", ["DictComp"]),
    ("[a for a in b if f()]\n", ["ListComp"]),
    ("for a in b:\n    while c:\n        g = [f() for x in y]\n", ["ListComp", "While", "For"]),
    ("for a in b:\n    def g():\n        f()\n", []),
    ("for a in b:\n    g = lambda: f()\n", []),
])
def test_loops_are_those_that_run_the_node_on_every_iteration(source, expected):
    found = probe(source, lambda rule, node: [type(loop.node).__name__ for loop in rule.loops()])
    assert found["f()"] == expected


def test_loop_statement_is_where_a_hoisted_line_goes():
    source = "x = 1; y = [f() for a in b]\n"
    found = probe(source, lambda rule, node: [rule.code_for(loop.statement)
                                            for loop in rule.loops()])
    assert found["f()"] == [source]


def test_a_loop_inside_a_lambda_has_no_statement_to_hoist_before():
    found = probe("g = lambda: [f() for a in b]\n",
                  lambda rule, node: [loop.statement for loop in rule.loops()])
    assert found["f()"] == [None]


def test_statement_is_the_one_holding_the_node():
    source = "if a:\n    y = g(f())\n"
    found = probe(source, lambda rule, node: rule.code_for(rule.statement()))
    assert found["f()"] == "y = g(f())\n"


def test_fresh_name_avoids_every_name_in_the_file():
    found = probe("next_element = 1\nnext_element_1 = 2\nf()\n",
                  lambda rule, node: rule.fresh_name("next_element"))
    assert found["f()"] == "next_element_2"


def test_variable_names_leave_out_attribute_and_keyword_names():
    source = "ds = load()\nds.ds(ds=ds)\nf()\n"
    found = probe(source, lambda rule, node: [
        rule.context.position(n).start.column for n in scopes.variable_names(rule.context, "ds")])
    assert found["f()"] == [0, 0, 9]  # the binding, the receiver, the keyword's value


def test_reads_leave_out_functions_whose_parameters_shadow_the_name():
    source = "it = make()\ndef g(it=it):\n    return it\nh = lambda *it: it\nuse(it)\nf()\n"
    found = probe(source, lambda rule, node: [
        rule.context.position(n).start.line for n in scopes.reads(rule.context, "it")])
    assert found["f()"] == [1, 5]  # `def g` shadows it, its default included; so does the lambda


def test_parameters_are_every_name_a_function_binds():
    source = "def g(a, /, b, *c, d, **e): pass\nlambda x, *, y: x\nf()\n"
    found = probe(source, lambda rule, node: [
        [p.name.value for p in scopes.parameters(fn)]
        for fn in patterns.all_nodes(rule.context.module, (cst.FunctionDef, cst.Lambda))])
    assert found["f()"] == [["a", "b", "c", "d", "e"], ["x", "y"]]


def test_within_compares_source_ranges():
    source = "while a:\n    f()\ng()\n"
    found = probe(source, lambda rule, node: scopes.within(
        rule.context, node, rule.context.module.body[0]))
    assert found == {"f()": True, "g()": False}


@pytest.mark.parametrize("line,name,call", [
    ("x = f()\n", "x", None), ("x = y = f()\n", None, None), ("x, y = f()\n", None, None),
    ("f()\n", None, "f()"), ("f(); g()\n", None, None), ("x += f()\n", None, None),
])
def test_assigned_name_and_statement_call_read_one_statement_alone_on_its_line(line, name,
                                                                                 call):
    statement = cst.parse_module(line).body[0]
    found = scopes.statement_call(statement)
    assert scopes.assigned_name(statement) == name
    assert (cst.Module([]).code_for_node(found) if found is not None else None) == call


@pytest.mark.parametrize("call,expected", [
    ("f(1, b=2)", {"a": "1", "b": "2"}), ("f(b=2, a=1)", {"a": "1", "b": "2"}),
    ("f(1, 2, 3)", None), ("f(c=1)", None), ("f(*args)", None), ("f(**kwargs)", None),
])
def test_bind_follows_the_parameter_order_and_refuses_what_matches_none(call, expected):
    bound = patterns.bind(cst.parse_expression(call), ("a", "b"))
    assert (None if bound is None else {k: v.value for k, v in bound.items()}) == expected
