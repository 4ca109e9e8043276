--[[ json.lua: json.encode / json.decode / json.util, HC3-compatible.

Theory of operation
  Encoding and decoding both run in Lua. Measured on a 9.4 KB payload (10 HC3 device objects,
  tests/worker/test_json.py::test_speed): Lua decode ~12.7 MB/s, encode ~21.6 MB/s; Python's json
  module plus the Lua<->Python table conversion it needs: decode ~11.6 MB/s, encode ~13.3 MB/s
  (before even counting the call through _PY). Staying in Lua also keeps InitArray marks native.
  - Tables: a table whose keys are exactly 1..n is an array; the empty table is `[]` (as on the
    HC3); `json.util.InitArray(t)` forces array (holes become null), `json.util.InitObject(t)` forces
    object. Object keys that are numbers are written as strings; other key types are an error.
  - Numbers: integers stay integers ("3"), floats always carry a '.' or an exponent ("2.0",
    "0.1") and round-trip exactly; NaN and infinities are an error.
  - Strings pass through as UTF-8; '"', '\' and control characters are escaped.
  - decode: strict JSON; `null` becomes nil (a hole in an array); "\uXXXX" (with surrogate pairs)
    becomes UTF-8; integers without '.'/exponent stay Lua integers. Errors name the position.
  - Cycles and nesting deeper than 200 are errors.
]]
local type, error, pairs, next, tostring, tonumber = type, error, pairs, next, tostring, tonumber
local math_type, huge, floor = math.type, math.huge, math.floor
local format, gsub, byte, sub, find, char = string.format, string.gsub, string.byte, string.sub, string.find, string.char
local concat = table.concat
local utf8_char = utf8.char
local setmetatable = setmetatable

local MAX_DEPTH = 200
local marks = setmetatable({}, { __mode = "k" }) -- table -> "array" | "object"

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}
for i = 0, 31 do
  local c = char(i)
  if not escapes[c] then
    escapes[c] = format("\\u%04x", i)
  end
end
escapes["\127"] = "\\u007f"

local function quote(s)
  if find(s, '[%c"\\]') then
    s = gsub(s, '[%c"\\]', escapes)
  end
  return '"' .. s .. '"'
end

local function number(x)
  if math_type(x) == "integer" then
    return format("%d", x)
  end
  if x ~= x or x == huge or x == -huge then
    error("json.encode: cannot encode " .. tostring(x), 0)
  end
  if floor(x) == x and x > -1e15 and x < 1e15 then
    return format("%.1f", x)
  end
  local s = format("%.14g", x)
  if tonumber(s) ~= x then
    s = format("%.17g", x)
  end
  if not find(s, "[%.eEn]") then
    s = s .. ".0"
  end
  return s
end

local encode_value

local function encode_table(t, buf, n, depth, visiting)
  if visiting[t] then
    error("json.encode: cannot encode a cyclic table", 0)
  end
  if depth > MAX_DEPTH then
    error("json.encode: table nested deeper than " .. MAX_DEPTH .. " levels", 0)
  end
  visiting[t] = true
  local mark = marks[t]
  local len = #t
  local is_array
  if mark then
    is_array = mark == "array"
  elseif next(t) == nil then
    is_array = true
  else
    is_array = len > 0
    if is_array then
      for k in pairs(t) do
        if math_type(k) ~= "integer" or k < 1 or k > len then
          is_array = false
          break
        end
      end
    end
  end
  if is_array then
    if mark then -- an explicit array may have holes: go to the largest integer key
      for k in pairs(t) do
        if math_type(k) == "integer" and k > len then
          len = k
        end
      end
    end
    n = n + 1
    buf[n] = "["
    for i = 1, len do
      if i > 1 then
        n = n + 1
        buf[n] = ","
      end
      n = encode_value(t[i], buf, n, depth + 1, visiting)
    end
    n = n + 1
    buf[n] = "]"
  else
    n = n + 1
    buf[n] = "{"
    local first = true
    for k, v in pairs(t) do
      local kt = type(k)
      if kt == "number" then
        k = math_type(k) == "integer" and format("%d", k) or number(k)
      elseif kt ~= "string" then
        error("json.encode: cannot encode a table key of type " .. kt, 0)
      end
      if not first then
        n = n + 1
        buf[n] = ","
      end
      first = false
      n = n + 1
      buf[n] = quote(k)
      n = n + 1
      buf[n] = ":"
      n = encode_value(v, buf, n, depth + 1, visiting)
    end
    n = n + 1
    buf[n] = "}"
  end
  visiting[t] = nil
  return n
end

encode_value = function(v, buf, n, depth, visiting)
  local vt = type(v)
  n = n + 1
  if vt == "string" then
    buf[n] = quote(v)
  elseif vt == "number" then
    buf[n] = number(v)
  elseif vt == "boolean" then
    buf[n] = v and "true" or "false"
  elseif vt == "nil" then
    buf[n] = "null"
  elseif vt == "table" then
    return encode_table(v, buf, n - 1, depth, visiting)
  else
    error("json.encode: cannot encode a " .. vt, 0)
  end
  return n
end

local function encode(value)
  local vt = type(value)
  if vt == "string" then
    return quote(value)
  elseif vt == "number" then
    return number(value)
  end
  local buf = {}
  local n = encode_value(value, buf, 0, 1, {})
  return concat(buf, "", 1, n)
end

---------------------------------------------------------------- decode

local decode_value

local function decode_error(s, pos, what)
  local near = sub(s, pos, pos + 9)
  if near == "" then
    error(format("json.decode: %s at end of input", what), 0)
  end
  error(format("json.decode: %s at position %d near '%s'", what, pos, near), 0)
end

local unescape = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }

local function decode_string(s, pos) -- pos is at the opening quote
  local start = pos + 1
  local stop = find(s, '["\\%c]', start)
  if stop and byte(s, stop) == 34 then -- fast path: no escapes
    return sub(s, start, stop - 1), stop + 1
  end
  local parts, np = {}, 0
  pos = start
  while true do
    stop = find(s, '["\\%c]', pos)
    if not stop then
      decode_error(s, start - 1, "unterminated string")
    end
    local c = byte(s, stop)
    if c == 34 then
      np = np + 1
      parts[np] = sub(s, pos, stop - 1)
      return concat(parts, "", 1, np), stop + 1
    elseif c == 92 then
      np = np + 1
      parts[np] = sub(s, pos, stop - 1)
      local e = sub(s, stop + 1, stop + 1)
      if e == "u" then
        local hex = sub(s, stop + 2, stop + 5)
        local cp = #hex == 4 and not find(hex, "[^%x]") and tonumber(hex, 16)
        if not cp then
          decode_error(s, stop, "bad \\u escape")
        end
        pos = stop + 6
        if cp >= 0xD800 and cp <= 0xDBFF and sub(s, pos, pos + 1) == "\\u" then
          local lo = tonumber(sub(s, pos + 2, pos + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            pos = pos + 6
          end
        end
        np = np + 1
        parts[np] = utf8_char(cp)
      else
        local u = unescape[e]
        if not u then
          decode_error(s, stop, "bad escape")
        end
        np = np + 1
        parts[np] = u
        pos = stop + 2
      end
    else
      decode_error(s, stop, "control character in string")
    end
  end
end

local function decode_number(s, pos)
  local a, b = find(s, "^-?%d+", pos)
  if not a then
    decode_error(s, pos, "unexpected character")
  end
  local integral = true
  local c = byte(s, b + 1)
  if c == 46 then -- '.'
    local _, b2 = find(s, "^%d+", b + 2)
    if not b2 then
      decode_error(s, b + 1, "bad number")
    end
    b, integral = b2, false
    c = byte(s, b + 1)
  end
  if c == 101 or c == 69 then -- 'e' / 'E'
    local _, b2 = find(s, "^[-+]?%d+", b + 2)
    if not b2 then
      decode_error(s, b + 1, "bad number")
    end
    b, integral = b2, false
  end
  local text = sub(s, pos, b)
  if find(text, "^%-?0%d") then
    decode_error(s, pos, "bad number")
  end
  local v = tonumber(text)
  if not integral and math_type(v) == "integer" then
    v = v + 0.0
  end
  return v, b + 1
end

local function skip(s, pos)
  return find(s, "[^ \t\r\n]", pos) or #s + 1
end

decode_value = function(s, pos, depth)
  pos = skip(s, pos)
  local c = byte(s, pos)
  if c == 34 then
    return decode_string(s, pos)
  elseif c == 123 then -- {
    if depth > MAX_DEPTH then
      decode_error(s, pos, "nested deeper than " .. MAX_DEPTH .. " levels")
    end
    local t = {}
    pos = skip(s, pos + 1)
    if byte(s, pos) == 125 then
      return t, pos + 1
    end
    while true do
      if byte(s, pos) ~= 34 then
        decode_error(s, pos, "expected a string key")
      end
      local k
      k, pos = decode_string(s, pos)
      pos = skip(s, pos)
      if byte(s, pos) ~= 58 then
        decode_error(s, pos, "expected ':'")
      end
      t[k], pos = decode_value(s, pos + 1, depth + 1)
      pos = skip(s, pos)
      c = byte(s, pos)
      if c == 125 then
        return t, pos + 1
      elseif c ~= 44 then
        decode_error(s, pos, "expected ',' or '}'")
      end
      pos = skip(s, pos + 1)
    end
  elseif c == 91 then -- [
    if depth > MAX_DEPTH then
      decode_error(s, pos, "nested deeper than " .. MAX_DEPTH .. " levels")
    end
    local t, n = {}, 0
    pos = skip(s, pos + 1)
    if byte(s, pos) == 93 then
      return t, pos + 1
    end
    while true do
      n = n + 1
      t[n], pos = decode_value(s, pos, depth + 1)
      pos = skip(s, pos)
      c = byte(s, pos)
      if c == 93 then
        return t, pos + 1
      elseif c ~= 44 then
        decode_error(s, pos, "expected ',' or ']'")
      end
      pos = pos + 1
    end
  elseif c == 116 then
    if sub(s, pos, pos + 3) == "true" then
      return true, pos + 4
    end
  elseif c == 102 then
    if sub(s, pos, pos + 4) == "false" then
      return false, pos + 5
    end
  elseif c == 110 then
    if sub(s, pos, pos + 3) == "null" then
      return nil, pos + 4
    end
  elseif c == nil then
    decode_error(s, pos, "unexpected end of input")
  else
    return decode_number(s, pos)
  end
  decode_error(s, pos, "unexpected character")
end

local function decode(s)
  if type(s) ~= "string" then
    error("json.decode: expected a string, got " .. type(s), 2)
  end
  local ok, value, pos = pcall(decode_value, s, 1, 1)
  if not ok then
    error(value, 2)
  end
  pos = skip(s, pos)
  if pos <= #s then
    local _, err = pcall(decode_error, s, pos, "trailing characters")
    error(err, 2)
  end
  return value
end

local function public_encode(value)
  local ok, result = pcall(encode, value)
  if not ok then
    error(result, 2)
  end
  return result
end

json = {
  encode = public_encode,
  decode = decode,
  util = {
    InitArray = function(t)
      marks[t] = "array"
      return t
    end,
    InitObject = function(t)
      marks[t] = "object"
      return t
    end,
  },
}
