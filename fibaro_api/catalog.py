"""The fixed parts of an HC3's home: settings/info, loginStatus, home, location, weather, users,
profiles, alarm partitions, the default room and section.

Each function returns a fresh dict in the HC3's shape (checked against the HC3's OpenAPI schemas in
tests). `HomeSettings` carries what `plua2.toml` may change (hcName, serial number, location...).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from . import hc3_time

__all__ = [
    "DEFAULT_ROOM_ID",
    "DEFAULT_SECTION_ID",
    "HomeSettings",
    "admin_user",
    "default_partition",
    "default_profiles",
    "default_room",
    "default_section",
    "home_dto",
    "info_dto",
    "location_dto",
    "login_status",
    "weather_dto",
]

DEFAULT_ROOM_ID = 219
DEFAULT_SECTION_ID = 219
SOFT_VERSION = "5.170.16"


@dataclass
class HomeSettings:
    """What a project may set in the `[settings]` table of plua2.toml."""

    hc_name: str = "plua2"
    serial_number: str = "HC3-00000001"
    mac: str = "ac:17:02:00:00:01"
    soft_version: str = SOFT_VERSION
    latitude: float = 52.52
    longitude: float = 13.405
    city: str = "Berlin"
    timezone: str = "Europe/Berlin"
    temperature_unit: str = "C"
    currency: str = "EUR"
    default_language: str = "en"


def info_dto(settings: HomeSettings, default_room_id: int = DEFAULT_ROOM_ID) -> dict[str, Any]:
    now = hc3_time.now()
    sunrise, sunset = hc3_time.sun(settings.latitude, settings.longitude, now)
    return {
        "serialNumber": settings.serial_number,
        "platform": "HC3",
        "oemId": "HC3",
        "zwaveEngineVersion": "2.0",
        "zigbeeStatus": False,
        "hcName": settings.hc_name,
        "mac": settings.mac,
        "zwaveVersion": "4.33",
        "timeFormat": 24,
        "dateFormat": "dd.mm.yy",
        "timezoneOffset": -time.timezone // 60 * 60,
        "decimalMark": ".",
        "zwaveRegion": "EU",
        "serverStatus": int(time.time()),
        "defaultLanguage": settings.default_language,
        "defaultRoomId": default_room_id,
        "sunsetHour": sunset,
        "sunriseHour": sunrise,
        "hotelMode": False,
        "temperatureUnit": settings.temperature_unit,
        "batteryLowNotification": False,
        "date": hc3_time.date_text(now),
        "currency": settings.currency,
        "softVersion": settings.soft_version,
        "beta": False,
        "currentVersion": {"version": settings.soft_version, "type": "stable"},
        "installVersion": {"version": "", "type": "", "status": "", "progress": 0},
        "timestamp": int(now),
        "online": False,
        "updateStableAvailable": False,
        "updateBetaAvailable": False,
        "newestStableVersion": settings.soft_version,
        "newestBetaVersion": settings.soft_version,
        "isFTIConfigured": True,
        "skin": "light",
        "skinSetting": "manual",
        "isSlave": False,
    }


def login_status(username: str) -> dict[str, Any]:
    return {
        "status": True,
        "type": "superuser",
        "userID": 2,
        "username": username,
        "role": "admin",
        "analyticsUserIdHash": "",
        "skin": "light",
        "skinSetting": "manual",
        "isAddTileVisible": True,
        "buiSettings": {},
    }


def home_dto(settings: HomeSettings) -> dict[str, Any]:
    return {
        "timestamp": int(hc3_time.now()),
        "defaultSensors": {"light": 0, "temperature": 0, "humidity": 0},
        "meters": {"energy": []},
        "notificationClient": {"marketingNotificationAllowed": False},
        "hcName": settings.hc_name,
        "weatherProvider": 3,
        "currency": settings.currency,
        "fireAlarmTemperature": 55,
        "freezeAlarmTemperature": 2,
        "timeFormat": 24,
        "dateFormat": "dd.mm.yy",
        "firstRunAfterUpdate": False,
    }


def location_dto(settings: HomeSettings) -> dict[str, Any]:
    now = time.localtime(hc3_time.now())
    return {
        "houseNumber": 1,
        "timezone": settings.timezone,
        "timezoneOffset": -time.timezone,
        "ntp": True,
        "ntpServer": "pool.ntp.org",
        "date": {"day": now.tm_mday, "month": now.tm_mon, "year": now.tm_year},
        "time": {"hour": now.tm_hour, "minute": now.tm_min},
        "latitude": settings.latitude,
        "longitude": settings.longitude,
        "city": settings.city,
        "temperatureUnit": settings.temperature_unit,
        "windUnit": "km/h",
        "timeFormat": 24,
        "dateFormat": "dd.mm.yy",
        "decimalMark": ".",
    }


def weather_dto() -> dict[str, Any]:
    return {
        "ConditionCode": 32,
        "Humidity": 60.0,
        "Temperature": 18.0,
        "TemperatureUnit": "C",
        "WeatherCondition": "clear",
        "WeatherConditionConverted": "clear",
        "Wind": 5.0,
        "WindUnit": "km/h",
    }


def admin_user(username: str) -> dict[str, Any]:
    return {
        "id": 2,
        "name": username,
        "type": "superuser",
        "email": "admin@plua2.local",
        "alarmRights": [],
        "climateZoneRights": [],
        "profileRights": [],
        "raStatus": "NOT_CONNECTED",
        "sendNotifications": True,
        "tracking": 0,
        "useOptionalArmPin": False,
        "useIntegrationPin": False,
        "initialWizard": False,
        "skin": "light",
        "skinSetting": "manual",
    }


def default_profiles() -> dict[str, Any]:
    names = ["Home", "Away", "Vacation", "Night"]
    return {
        "activeProfile": 1,
        "profiles": [
            {
                "id": i,
                "name": name,
                "iconId": i,
                "devices": [],
                "scenes": [],
                "partitions": [],
                "climateZones": [],
            }  # fmt: skip
            for i, name in enumerate(names, start=1)
        ],
    }


def default_partition() -> dict[str, Any]:
    return {
        "id": 1,
        "name": "Home",
        "armed": False,
        "breached": False,
        "armDelay": 30,
        "breachDelay": 30,
        "devices": [],
        "secondsToArm": 0,
        "lastActionAt": 0,
    }


def default_section(now: int) -> dict[str, Any]:
    return {"id": DEFAULT_SECTION_ID, "name": "Default Section", "created": now,
            "modified": now, "sortOrder": 1}  # fmt: skip


def room_dto(room_id: int, name: str, section_id: int, *, is_default: bool = False,
             category: str = "other", icon: str = "room_default") -> dict[str, Any]:  # fmt: skip
    return {
        "id": room_id,
        "name": name,
        "sectionID": section_id,
        "isDefault": is_default,
        "visible": True,
        "icon": icon,
        "iconExtension": "png",
        "iconColor": "purple",
        "defaultSensors": {"temperature": 0, "humidity": 0, "light": 0},
        "defaultThermostat": 0,
        "sortOrder": room_id,
        "category": category,
    }


def default_room() -> dict[str, Any]:
    return room_dto(DEFAULT_ROOM_ID, "Default Room", DEFAULT_SECTION_ID, is_default=True)
