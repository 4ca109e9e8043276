"""`class` / `property` (Luabind style) and the HC3 sandbox as a QuickApp sees it."""

from __future__ import annotations

import pytest
from qa_lua_helpers import lua, start_quickapp

CLASSES = """
class 'Animal'
function Animal:__init(name) self.name = name end
function Animal:speak() return self.name .. ' makes a sound' end
function Animal:__tostring() return 'Animal(' .. self.name .. ')' end

class 'Dog'(Animal)
function Dog:__init(name) Animal.__init(self, name) self.tricks = 0 end
function Dog:speak() return self.name .. ' barks' end

class 'Puppy'(Dog)  -- no constructor of its own: Dog's is used

class 'Box'
function Box:__init() self._v = 1 end
Box.value = property(function(self) return self._v * 10 end, function(self, v) self._v = v end)
Box.fixed = property(function(self) return 'fixed' end)
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("Animal('cat'):speak()", "cat makes a sound"),
        ("Dog('rex'):speak()", "rex barks"),
        ("Dog('rex').tricks", 0),
        ("Puppy('bit'):speak()", "bit barks"),
        ("Puppy('bit').tricks", 0),
        ("tostring(Dog('rex'))", "Animal(rex)"),
        ("tostring(Dog)", "class Dog"),
        ("Dog.speak ~= Animal.speak and Puppy.speak == Dog.speak", True),
        ("Box().value", 10),
        ("(function() local b = Box() b.value = 4 return b.value end)()", 40),
        ("Box().fixed", "fixed"),
        ("select(2, pcall(function() Box().fixed = 1 end)):match('read%-only') ~= nil", True),
        ("(function() local b = Box() b.other = 3 return rawget(b, 'other') end)()", 3),
        ("select(2, pcall(class, 42)):match('must be a string') ~= nil", True),
        (
            "select(2, pcall(function() class 'Y' (42) end)):match('base must be a class') ~= nil",
            True,
        ),
        ("QuickApp.updateProperty == QuickAppBase.updateProperty", True),
        ("QuickAppChild.__init ~= QuickAppBase.__init", True),
    ],
)
def test_class(code: str, expected: object) -> None:
    runtime, host = start_quickapp(CLASSES)
    assert host.errors() == []
    assert lua(runtime, code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("_VERSION", "Lua 5.3"),
        ("type(io)", "nil"),
        ("type(os.execute)", "nil"),
        ("type(os.remove)", "nil"),
        ("type(os.getenv)", "nil"),
        ("type(os.time)", "function"),
        ("type(os.exit)", "function"),  # ends this worker only
        ("type(loadfile)", "nil"),
        ("type(dofile)", "nil"),
        ("type(package.loadlib)", "nil"),
        ("type(python)", "nil"),
        ("type(debug.sethook)", "nil"),
        ("type(json.encode)", "function"),
        ("json.encode({a = 1})", '{"a":1}'),
        ("type(setTimeout) .. type(setInterval) .. type(clearTimeout)", "functionfunctionfunction"),
    ],
)
def test_quickapp_sandbox(code: str, expected: object) -> None:
    runtime, _ = start_quickapp("")
    assert lua(runtime, code) == expected
