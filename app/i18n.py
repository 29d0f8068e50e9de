"""UI strings in English and Russian.

English text is the message id (gettext style): `t("Schedule")` gives "Расписание" when the
language is Russian and the English text otherwise, so a missing translation degrades to
English instead of to a key name. The language is read from --lang, config, or LANG / LC_*;
it is never applied with setlocale (libmpv crashes on a non-C LC_NUMERIC).
"""

from __future__ import annotations

from collections.abc import Mapping

SUPPORTED = ("en", "ru")

_current = "en"

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ru": ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье"),
}
WEEKDAYS_SHORT = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "ru": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"),
}
SEASONS = {
    "en": {1: "winter", 2: "spring", 3: "summer", 4: "autumn"},
    "ru": {1: "зима", 2: "весна", 3: "лето", 4: "осень"},
}

RU: dict[str, str] = {
    # navigation and global keys
    "Schedule": "Расписание",
    "Updates": "Обновления",
    "Search": "Поиск",
    "Random title": "Случайный тайтл",
    "Random": "Случайный",
    "Help": "Справка",
    "Quit": "Выход",
    "Back": "Назад",
    "Refresh": "Обновить",
    "Command palette": "Палитра команд",
    "Switch language": "Сменить язык",
    "English / Russian": "Английский / русский",
    "Open": "Открыть",
    "Top": "В начало",
    "Bottom": "В конец",
    "Down": "Вниз",
    "Up": "Вверх",
    "Previous day": "Предыдущий день",
    "Next day": "Следующий день",
    "Today": "Сегодня",
    "Focus search": "К поиску",
    "Advanced query": "Расширенный запрос",
    "Filters": "Фильтры",
    "Clear filters": "Сбросить фильтры",
    "Load more": "Загрузить ещё",
    # columns and labels
    "Name": "Название",
    "English name": "Английское название",
    "Episodes": "Серии",
    "Status": "Статус",
    "Updated": "Обновлено",
    "Type": "Тип",
    "Year": "Год",
    "Season": "Сезон",
    "Genres": "Жанры",
    "Team": "Команда",
    "Voice": "Озвучка",
    "Translation": "Перевод",
    "Subtitles": "Субтитры",
    "Design": "Оформление",
    "Timing": "Тайминг",
    "Description": "Описание",
    "Favorites": "В избранном",
    "Announce": "Анонс",
    "Alternative name": "Альтернативное название",
    "Weekday": "День выхода",
    "Torrents": "Торренты",
    "Quality": "Качество",
    "Size": "Размер",
    "Seeders": "Сиды",
    "Leechers": "Личи",
    "Downloads": "Загрузки",
    "Date": "Дата",
    "Episode": "Серия",
    "Qualities": "Качество",
    "Key": "Клавиша",
    "Action": "Действие",
    "Where": "Где",
    "Everywhere": "Везде",
    "new": "новое",
    "today": "сегодня",
    # states and messages
    "Loading…": "Загрузка…",
    "Nothing here yet.": "Здесь пока пусто.",
    "No titles on this day.": "В этот день ничего не выходит.",
    "No titles found.": "Ничего не найдено.",
    "Type to search titles.": "Начните вводить название.",
    "Searching…": "Поиск…",
    "offline, data from {time}": "нет связи, данные от {time}",
    "press ctrl+r to retry": "ctrl+r — повторить",
    "DEMO": "ДЕМО",
    "browse-only": "только просмотр",
    "Could not reach {server}: {reason}.": "Не удалось связаться с {server}: {reason}.",
    "Try again with ctrl+r, or run `anitui --demo` to explore the bundled demo catalog.": "Повторите через ctrl+r или запустите `anitui --demo`, чтобы посмотреть демо-каталог.",
    "The server answered: {message}": "Сервер ответил: {message}",
    "Blocked in Russia.": "Заблокирован в РФ.",
    "Blocked after a Wakanim complaint.": "Заблокирован по жалобе Wakanim.",
    "Play": "Смотреть",
    "Download": "Скачать",
    "Favorite": "В избранное",
    "Lists": "Списки",
    "Continue": "Продолжить",
    "Torrents elsewhere": "Торренты в других местах",
    "No display here: how should the episode play?": "Экрана нет: как воспроизвести серию?",
    "In this terminal (mpv --vo={vo})": "В этом терминале (mpv --vo={vo})",
    "In this terminal — needs the mpv command: sudo apt-get install -y mpv": "В этом терминале — нужна команда mpv: sudo apt-get install -y mpv",
    "Audio only": "Только звук",
    "Copy the stream URL to the clipboard": "Скопировать адрес потока в буфер обмена",
    "Terminal video needs the mpv command: sudo apt-get install -y mpv": "Для видео в терминале нужна команда mpv: sudo apt-get install -y mpv",
    "Terminal video needs a real terminal.": "Для видео в терминале нужен настоящий терминал.",
    "Stream URL copied to the clipboard.": "Адрес потока скопирован в буфер обмена.",
    "History": "История",
    "Stopped at": "Остановлено на",
    "Last played": "Последний просмотр",
    "Nothing watched yet.": "Пока ничего не просмотрено.",
    "Watched": "Просмотрено",
    "Pause": "Пауза",
    "−10 s": "−10 с",
    "+10 s": "+10 с",
    "−85 s": "−85 с",
    "+85 s": "+85 с",
    "Next episode": "Следующая серия",
    "Previous episode": "Предыдущая серия",
    "Mute": "Без звука",
    "Volume −": "Тише",
    "Volume +": "Громче",
    "Audio track": "Звуковая дорожка",
    "Stop": "Стоп",
    "muted": "без звука",
    "vol": "громк.",
    "opening": "опенинг",
    "ending": "эндинг",
    "Skipped the {kind}.": "Пропущен {kind}.",
    "Playback is off: another anitui owns the player.": "Просмотр отключён: плеером владеет другой anitui.",
    "Something is playing: press q again to quit.": "Идёт воспроизведение: нажмите q ещё раз, чтобы выйти.",
    "No episodes to play yet.": "Серий пока нет.",
    "Every episode is watched.": "Все серии просмотрены.",
    "Downloads and favorites arrive in a later version.": "Загрузки и избранное появятся в следующей версии.",
    "Cursor up": "Курсор вверх",
    "Cursor down": "Курсор вниз",
    "Cursor left": "Курсор влево",
    "Cursor right": "Курсор вправо",
    "Home": "Начало",
    "End": "Конец",
    "Page Left": "Страница влево",
    "Page Right": "Страница вправо",
    "Page up": "Страница вверх",
    "Page down": "Страница вниз",
    "Focus Next": "Следующий элемент",
    "Focus Previous": "Предыдущий элемент",
    "Copy selected text": "Копировать выделенное",
    "palette": "палитра команд",
    "Downloads are not available yet.": "Загрузки пока недоступны.",
    "Favorites are not available yet.": "Избранное пока недоступно.",
    "Another anitui (PID {pid}) is running: browse-only mode, player and downloads are off.": "Уже запущен другой anitui (PID {pid}): только просмотр, плеер и загрузки отключены.",
    "The database was damaged and moved aside to {path}; a fresh one was created.": "База данных была повреждена и перемещена в {path}; создана новая.",
    "Query": "Запрос",
    "Order by": "Сортировать по",
    "Descending": "По убыванию",
    "Advanced query, e.g. {season.year} == 2024 and {type.code} == 1": "Расширенный запрос, например {season.year} == 2024 and {type.code} == 1",
    "Search titles…": "Поиск тайтлов…",
    "Any year": "Любой год",
    "Any season": "Любой сезон",
    "Any genre": "Любой жанр",
    "Any team member": "Любой участник",
    "{count} titles": "{count} тайтлов",
    "episodes out {out} of {planned}": "вышло {out} из {planned}",
    "Poster": "Постер",
    "No poster.": "Нет постера.",
    "Keys": "Клавиши",
    "minutes": "мин",
    "Language: {lang}": "Язык: {lang}",
    "Loaded {count} titles.": "Загружено тайтлов: {count}.",
    "The end of the list.": "Конец списка.",
    "Title": "Тайтл",
    "Could not load the title.": "Не удалось загрузить тайтл.",
    # Torrents and torrent detail
    "Torrent": "Торрент",
    "Search torrents, an info-hash or an IMDb id…": "Поиск торрентов, info-hash или IMDb id…",
    "Type a title, an info-hash or an IMDb id.": "Введите название, info-hash или IMDb id.",
    "All sources": "Все источники",
    "Best": "Лучшие",
    "Newest": "Новые",
    "Oldest": "Старые",
    "Most seeders": "Больше сидов",
    "Most leechers": "Больше личей",
    "Most downloads": "Больше скачиваний",
    "Largest": "Крупные",
    "Smallest": "Мелкие",
    "Level": "Уровень",
    "No subtitles": "Без субтитров",
    "Level 0": "Уровень 0",
    "Level 1": "Уровень 1",
    "Level 2": "Уровень 2",
    "Level 3": "Уровень 3",
    "Level 4": "Уровень 4",
    "Language": "Язык",
    "Fansubs": "Фансабы",
    "Audio": "Звук",
    "Codec": "Кодек",
    "Hardsub / MTL": "Хардсаб / MTL",
    "Hardsub only": "Только хардсаб",
    "No hardsub": "Без хардсаба",
    "MTL only": "Только машинный перевод",
    "No MTL": "Без машинного перевода",
    "S/L/C": "С/Л/З",
    "Group": "Группа",
    "Subs": "Суб.",
    "Src": "Ист.",
    "{count} torrents": "Торрентов: {count}",
    "No torrents found.": "Торренты не найдены.",
    "Too many requests: trying again in {seconds} s…": "Слишком много запросов: повтор через {seconds} с…",
    "nekoBT key missing or invalid: set ANITUI_NEKOBT__API_KEY or the secrets file.": "Ключ nekoBT не задан или неверен: укажите ANITUI_NEKOBT__API_KEY или файл секретов.",
    "{source} refused the search: {details}": "{source} отклонил поиск: {details}",
    "Copy magnet": "Копировать magnet",
    "Add to downloads": "Добавить в загрузки",
    "Downloads arrive in a later version.": "Загрузки появятся в следующей версии.",
    "Files": "Файлы",
    "File": "Файл",
    "Peers": "Пиры",
    "Completed": "Скачали",
    "Peers by country": "Пиры по странам",
    "Peers per day": "Пиры по дням",
    "Groups": "Группы",
    "uploader": "загрузившая",
    "Mediainfo": "Mediainfo",
    "Screenshots": "Скриншоты",
    "Comments": "Комментарии",
    "Subtitle level": "Уровень субтитров",
    "Languages": "Языки",
    "Sources": "Источники",
    "Info-hash": "Info-hash",
    "IMDb": "IMDb",
    "Category": "Категория",
    "Few peers share this torrent.": "Этот торрент почти никто не раздаёт.",
    "No magnet link for this torrent.": "У этого торрента нет magnet-ссылки.",
    "Magnet copied to the clipboard.": "Magnet-ссылка скопирована в буфер обмена.",
    "Torrent API: set its URL and key to search info-hashes and IMDb ids there.": "Torrent API: задайте его адрес и ключ, чтобы искать там info-hash и IMDb id.",
    "Added to downloads: {name} (6 opens Downloads)": "Добавлено в загрузки: {name} (6 — к загрузкам)",
    "Downloads are unavailable: libtorrent could not start (see the log).": "Загрузки недоступны: libtorrent не запустился (подробности в журнале).",
    "Downloaded: {name}": "Скачано: {name}",
    "Downloads are off: another anitui owns the download queue.": "Загрузки отключены: очередью владеет другой anitui.",
    "This download has no video file to play.": "В этой загрузке нет видеофайла.",
    "This download cannot be played yet.": "Эту загрузку пока нельзя воспроизвести.",
    "Downloads are running (they resume next time): press q again to quit.": "Идут загрузки (они продолжатся при следующем запуске): нажмите q ещё раз, чтобы выйти.",
    "Download failed: {name}: {error}": "Загрузка не удалась: {name}: {error}",
    "Add a download: a magnet link, an info-hash or a .torrent file path": "Новая загрузка: magnet-ссылка, info-hash или путь к .torrent-файлу",
    "Remove this download?": "Удалить эту загрузку?",
    "Remove, keep the files": "Удалить, файлы оставить",
    "Remove and delete the files": "Удалить вместе с файлами",
    "Cancel": "Отмена",
    "running": "работает",
    "stopped": "остановлена",
    "Queue {state}": "Очередь {state}",
    "Trackers": "Трекеры",
    "Done": "Готово",
    "Downloads are unavailable: libtorrent could not start.": "Загрузки недоступны: libtorrent не запустился.",
    "No downloads yet: press d on a title's torrent, or a to add a magnet or file.": "Загрузок пока нет: нажмите d на торренте релиза или a, чтобы добавить magnet или файл.",
    "{active} downloading · {pending} waiting · {completed} done · {failed} failed": "качается {active} · ждёт {pending} · готово {completed} · с ошибкой {failed}",
    "Queue stopped: running downloads finish, no new ones start.": "Очередь остановлена: текущие загрузки докачаются, новые не начнутся.",
    "Queue started.": "Очередь запущена.",
    "Cleared {count} completed.": "Убрано готовых: {count}.",
    "Cleared {count} failed.": "Убрано неудачных: {count}.",
    "The file list is not known yet (waiting for metadata).": "Список файлов ещё неизвестен (ждём метаданные).",
    "Folder": "Папка",
    "Added": "Добавлено",
    "Upload": "Отдача",
    "Retries": "Повторы",
    "ETA {eta}": "осталось {eta}",
    "Retrying {count} failed downloads.": "Повторяем неудачные загрузки: {count}.",
    "Nothing failed to retry.": "Нечего повторять: ошибок нет.",
    "Error": "Ошибка",
    "{chosen} of {total} files · {size}": "{chosen} из {total} файлов · {size}",
    "Choose at least one file.": "Выберите хотя бы один файл.",
    "space check · a all / none · Enter {action} · Esc cancel": "пробел — отметить · a — все / ни одного · Enter — {action} · Esc — отмена",
    "{free} free": "свободно {free}",
    "This title has no torrents yet.": "У этого релиза пока нет торрентов.",
    "Choose a torrent and press Enter.": "Выберите торрент и нажмите Enter.",
    "Favorites arrive in a later version.": "Избранное появится в следующей версии.",
    "Cannot download this torrent: {reason}": "Не удалось скачать торрент: {reason}",
    "This torrent has nothing to download from.": "Этот торрент не из чего скачать.",
    "Progress": "Прогресс",
    "Speed": "Скорость",
    "ETA": "Осталось",
    "Priority": "Приоритет",
    "Apply": "Применить",
    "pending": "в очереди",
    "downloading": "качается",
    "paused": "на паузе",
    "seeding": "раздаётся",
    "completed": "готово",
    "failed": "ошибка",
    "cancelled": "отменено",
    "HIGH": "высокий",
    "NORMAL": "обычный",
    "LOW": "низкий",
    "Pause / resume": "Пауза / продолжить",
    "Start / stop queue": "Запустить / остановить очередь",
    "Priority +": "Приоритет +",
    "Priority −": "Приоритет −",
    "Move up": "Выше",
    "Move down": "Ниже",
    "Retry": "Повторить",
    "Remove": "Удалить",
    "Clear completed": "Убрать готовые",
    "Clear failed": "Убрать неудачные",
    "Play while downloading": "Смотреть во время загрузки",
    "Add torrent": "Добавить торрент",
    "Check / uncheck": "Отметить / снять",
    "All / none": "Все / ни одного",
    "Open folder": "Открыть папку",
    "Close folder": "Закрыть папку",
    "Skip": "Пропустить",
    "Skip offset": "Сдвиг пропуска",
    "Opening: press S to skip": "Опенинг: нажмите S, чтобы пропустить",
    "Ending: press S to skip": "Эндинг: нажмите S, чтобы пропустить",
    "Skip offset for this title: {offset} s": "Сдвиг пропуска для этого тайтла: {offset} с",
    "Skip offset for this title, in seconds (+ later, − earlier):": "Сдвиг пропуска для этого тайтла в секундах (+ позже, − раньше):",
    "Type seconds, e.g. +2.5, -3 or 0 (at most {limit} either way).": "Введите секунды, например +2.5, -3 или 0 (не больше {limit} в любую сторону).",
    "mpv could not play episode {episode} (exit code {code}).": "mpv не смог воспроизвести серию {episode} (код выхода {code}).",
    "Download the episode instead": "Скачать серию вместо просмотра",
    "No torrent of this title holds episode {episode}.": "Ни в одном торренте этого тайтла нет серии {episode}.",
}

_TABLES: Mapping[str, Mapping[str, str]] = {"en": {}, "ru": RU}


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The UI language the locale variables ask for (first set of LC_ALL, LC_MESSAGES, LANG)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def resolve_language(configured: str, environ: Mapping[str, str]) -> str:
    """`configured` ("auto", "en", "ru") made concrete."""
    if configured in SUPPORTED:
        return configured
    return language_from_environment(environ)


def set_language(lang: str) -> None:
    """Switch every later `t()` to `lang` (en or ru)."""
    global _current
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r}")
    _current = lang


def language() -> str:
    """The language `t()` translates into."""
    return _current


def t(msgid: str, /, **values: object) -> str:
    """`msgid` in the current language, with `{name}` placeholders filled from `values`."""
    text = _TABLES[_current].get(msgid, msgid)
    return text.format(**values) if values else text


def weekday(day: int, *, short: bool = False) -> str:
    """Weekday name; 0 is Monday as in the AniLibria API."""
    names = (WEEKDAYS_SHORT if short else WEEKDAYS)[_current]
    return names[day] if 0 <= day < 7 else "?"


def season_name(code: int | None) -> str:
    """Season name for AniLibria's season code (1 winter … 4 autumn)."""
    return SEASONS[_current].get(code or 0, "")
