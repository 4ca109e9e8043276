"""fibaro_api"""
