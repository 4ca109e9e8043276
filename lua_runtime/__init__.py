"""lua_runtime"""
