"""Regenerate the demo assets: catalog.json, posters, previews and the HLS clips.

    .venv/bin/python assets/demo/make_demo_assets.py            # catalog + images
    .venv/bin/python assets/demo/make_demo_assets.py --media    # also the clips (needs ffmpeg)

A dev-time tool: the committed output is all the app and the tests need. The clips need an
ffmpeg binary (`imageio-ffmpeg` from PyPI ships one, or set FFMPEG=/path/to/ffmpeg). Everything
is deterministic, and every name and text below is invented.
"""

from __future__ import annotations

import argparse
import colorsys
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from app.devserver.catalog import (  # noqa: E402
    DEMO_NOW,
    LOCAL_HOST,
    Account,
    Catalog,
    TitleSeed,
    TorrentSeed,
    token,
)

DAY = 86_400
WEEK = 7 * DAY

# fmt: off
VOICE = ["Kisaragi", "Mirrowen", "Tsukune", "Velvetka", "Hoshiko", "Ryoka", "Marmeladka",
         "Zephyra", "Kotofey", "Oblachko", "Yozora-chan"]
TRANSLATOR = ["Lorien", "Blinchik", "Aoharu", "Pryanik", "Sirrush"]
EDITING = ["Gekko", "Mayfly", "Amberlight", "Lorien"]
DECOR = ["Tanukisan", "Shimmer", "Nekomata"]
TIMING = ["Gekko", "Mayfly", "Sirrush", "Nekomata"]

# (id, code, ru, en, alternative, type, status, year, season, week_day, out, planned, length,
#  genres, description html, franchise or None)
F_COURIER = "courier"
F_WITCH = "witch"
F_CODEX = "codex"
F_CHESS = "chess"

TITLES: list[dict[str, Any]] = [
    dict(id=9001, code="starlight-courier", ru="Звёздный курьер", en="Starlight Courier",
         alt="Hoshi no Hakobiya", type=1, status=2, year=2019, season=2, day=3, out=12,
         planned=12, length=24, genres=["Фантастика", "Приключения", "Комедия"], fr=F_COURIER,
         desc="Юная Мика работает курьером на орбитальной станции и доставляет посылки туда, "
              "куда не летают почтовые дроны. Однажды ей поручают коробку без адреса, которая "
              "тихо напевает колыбельную. Чтобы найти получателя, Мике придётся облететь "
              "полгалактики на стареньком грузовике с ворчливым бортовым компьютером."),
    dict(id=9002, code="starlight-courier-2", ru="Звёздный курьер 2", en="Starlight Courier 2",
         type=1, status=2, year=2021, season=3, day=4, out=12, planned=12, length=24,
         genres=["Фантастика", "Приключения", "Комедия"], fr=F_COURIER,
         desc="Служба доставки Мики разрослась до трёх кораблей и одного очень упрямого кота. "
              "Новый заказ ведёт команду к кольцам газового гиганта, где пропадают грузовые "
              "караваны. Кажется, у колыбельной из первой посылки появилось продолжение."),
    dict(id=9003, code="starlight-courier-last-parcel", ru="Звёздный курьер: Последняя посылка",
         en="Starlight Courier: The Last Parcel", type=0, status=2, year=2022, season=4, day=5,
         out=1, planned=1, length=105, genres=["Фантастика", "Приключения", "Драма"],
         fr=F_COURIER,
         desc="Полнометражная история о посылке, которую Мика обещала доставить ещё в детстве. "
              "Адресат живёт на планете, которой нет ни на одной карте. "
              "<i>Фильм завершает арку «Колыбельной».</i>"),
    dict(id=9004, code="starlight-courier-3", ru="Звёздный курьер 3", en="Starlight Courier 3",
         type=1, status=1, year=2026, season=4, day=0, out=8, planned=12, length=24,
         genres=["Фантастика", "Приключения", "Комедия"], fr=F_COURIER,
         episode_names={1: "Посылка с того берега", 2: "Грузовик не заводится",
                        3: "Кот против таможни"},
         desc="Мика получает лицензию межзвёздного курьера и впервые берёт заказ за пределами "
              "родной системы. На новой трассе действуют свои правила, а конкуренты не "
              "стесняются в средствах. Команде предстоит доказать, что маленькая служба "
              "доставки умеет больше, чем большие корпорации."),
    dict(id=9005, code="witch-of-lantern-street", ru="Ведьма с улицы Фонарей",
         en="The Witch of Lantern Street", alt="Rantan-doori no Majo", type=1, status=2,
         year=2023, season=4, day=1, out=24, planned=24, length=24,
         genres=["Магия", "Повседневность", "Фэнтези"], fr=F_WITCH,
         desc="В старом квартале, где фонари зажигают вручную, открывается крошечная лавка "
              "ведьмы Юны. Она лечит простуду отварами, а дурное настроение — разговорами. "
              "Каждый вечер к ней приходят соседи со своими маленькими бедами, и у каждой беды "
              "оказывается своя история."),
    dict(id=9006, code="witch-of-lantern-street-2", ru="Ведьма с улицы Фонарей 2",
         en="The Witch of Lantern Street 2", type=1, status=1, year=2026, season=4, day=1,
         out=7, planned=12, length=24, genres=["Магия", "Повседневность", "Фэнтези"],
         fr=F_WITCH, skips={"opening": [1, 2], "ending": [3, 4]},
         desc="Наступает зима, и на улице Фонарей гаснет самый старый фонарь. Юна узнаёт, что "
              "вместе с ним может исчезнуть и магия квартала. Чтобы спасти его, ей придётся "
              "впервые за много лет выйти за пределы своей улицы."),
    dict(id=9007, code="witch-of-lantern-street-winter-tea",
         ru="Ведьма с улицы Фонарей: Зимний чай",
         en="The Witch of Lantern Street: Winter Tea", type=2, status=2, year=2024, season=1,
         day=2, out=2, planned=2, length=28, genres=["Магия", "Повседневность"], fr=F_WITCH,
         desc="Две короткие истории о том, как Юна готовит зимний чай для всего квартала. "
              "Тёплые, неторопливые и немного грустные."),
    dict(id=9008, code="codex-of-the-frost-dragon", ru="Кодекс ледяного дракона",
         en="Codex of the Frost Dragon", type=1, status=2, year=2017, season=1, day=5, out=24,
         planned=24, length=24, genres=["Фэнтези", "Экшен", "Магия", "Сёнен"], fr=F_CODEX,
         old=True,
         desc="Архивариус Кай находит в подвале библиотеки книгу, страницы которой покрыты "
              "инеем. Книга оказывается кодексом ледяного дракона, и теперь за Каем охотятся "
              "все ордена континента. Единственный союзник юноши — сам дракон, запертый между "
              "строк и очень недовольный своим положением."),
    dict(id=9009, code="codex-of-the-frost-dragon-ashes", ru="Кодекс ледяного дракона: Пепел",
         en="Codex of the Frost Dragon: Ashes", type=1, status=2, year=2018, season=4, day=6,
         out=12, planned=12, length=24, genres=["Фэнтези", "Экшен", "Драма", "Сёнен"],
         fr=F_CODEX, old=True,
         desc="После падения столицы Кай и дракон скрываются на южных островах. Огненный орден "
              "ищет вторую половину кодекса, и цена ошибки теперь — целые города."),
    dict(id=9010, code="codex-of-the-frost-dragon-special", ru="Кодекс ледяного дракона: Спешл",
         en="Codex of the Frost Dragon: Special", type=4, status=2, year=2018, season=4, day=6,
         out=1, planned=1, length=24, genres=["Фэнтези", "Комедия"], fr=F_CODEX,
         desc="Один день из жизни дракона, который пытается приготовить суп, не заморозив кухню."),
    dict(id=9011, code="midnight-chess-club", ru="Клуб полуночных шахмат", en="Midnight Chess Club",
         type=1, status=2, year=2024, season=2, day=2, out=12, planned=12, length=24,
         genres=["Школа", "Драма", "Психологическое"], fr=F_CHESS,
         desc="В школе Сэйрин есть клуб, который собирается только после полуночи. Его участники "
              "играют в шахматы на желания, и проигравший обязан выполнить любое из них. "
              "Новичок Рэн вступает в клуб, чтобы узнать, куда пропал его старший брат."),
    dict(id=9012, code="midnight-chess-club-2", ru="Клуб полуночных шахмат 2",
         en="Midnight Chess Club 2", type=1, status=1, year=2026, season=4, day=2, out=9,
         planned=13, length=24, genres=["Школа", "Драма", "Психологическое"], fr=F_CHESS,
         desc="Рэн становится президентом клуба и обнаруживает, что у полуночных партий есть "
              "зрители. Кто-то записывает каждое желание, и эти записи начинают сбываться."),
    dict(id=9013, code="dungeon-line-cook", ru="Повар из подземелья", en="Dungeon Line Cook",
         alt="Meikyuu Kitchen", type=1, status=1, year=2026, season=4, day=3, out=8,
         planned=12, length=24, genres=["Комедия", "Фэнтези", "Повседневность"],
         skips={"opening": [1, 2], "ending": []},
         episode_names={1: "Суп из слизня", 2: "Жаркое для минотавра"},
         desc="Бывший шеф столичного ресторана устраивается поваром в таверну на десятом уровне "
              "подземелья. Продукты здесь приходится добывать с боем, а посетители могут съесть "
              "и самого повара. Зато отзывы у заведения — лучшие в королевстве."),
    dict(id=9014, code="the-ninth-tram", ru="Девятый трамвай", en="The Ninth Tram", type=1,
         status=1, year=2026, season=4, day=4, out=7, planned=12, length=24,
         genres=["Мистика", "Драма", "Сверхъестественное"],
         desc="По ночам через город проходит трамвай номер девять, которого нет в расписании. "
              "Тот, кто в него сядет, может проехать одну остановку назад во времени. Студентка "
              "Аки садится в него, чтобы исправить одну ошибку, и совершает десяток новых."),
    dict(id=9015, code="fox-post-office", ru="Лисья почта", en="Fox Post Office", type=1,
         status=1, year=2026, season=4, day=5, out=8, planned=12, length=24,
         genres=["Повседневность", "Сверхъестественное", "Комедия"],
         desc="В горной деревне почту разносят лисы-оборотни, и письма доходят даже до умерших. "
              "Новенькая почтальонша-человек пытается понять правила этой службы. Главное из них: "
              "никогда не читать чужие письма."),
    dict(id=9016, code="steel-garden", ru="Стальной сад", en="Steel Garden", type=1, status=1,
         year=2026, season=4, day=6, out=7, planned=12, length=24,
         genres=["Меха", "Драма", "Фантастика"],
         desc="После войны огромные боевые машины превратили в теплицы и сады. Пилот Сора "
              "ухаживает за цветами внутри своего бывшего меха, пока однажды тот не "
              "просыпается по старому приказу."),
    dict(id=9017, code="sisters-of-the-foghorn-lighthouse", ru="Сёстры туманного маяка",
         en="Sisters of the Foghorn Lighthouse", type=1, status=1, year=2026, season=4, day=0,
         out=8, planned=12, length=24, genres=["Драма", "Мистика"],
         desc="Три сестры следят за маяком на острове, окружённом вечным туманом. Корабли "
              "приходят сюда раз в год, но этой осенью к причалу пристаёт лодка без экипажа. "
              "В ней — письмо, адресованное сестре, которой никогда не существовало."),
    dict(id=9018, code="rentas-last-chord", ru="Последний аккорд Ренты", en="Renta's Last Chord",
         type=1, status=1, year=2026, season=4, day=1, out=7, planned=12, length=24,
         genres=["Драма", "Романтика", "Школа"],
         desc="Гитаристка Рента теряет слух в правом ухе за месяц до школьного фестиваля. Она "
              "решает сыграть свой последний концерт и собирает группу из тех, кто никогда не "
              "держал в руках инструмент."),
    dict(id=9019, code="shadowblade-academy", ru="Академия теневых клинков",
         en="Shadowblade Academy", alt="Kage no Gakuen", type=1, status=1, year=2026, season=3,
         day=2, out=18, planned=24, length=24, genres=["Экшен", "Школа", "Магия", "Сёнен"],
         skips={"opening": [1, 2], "ending": []},
         desc="В академию, где учат сражаться собственной тенью, поступает парень, у которого "
              "тени нет вовсе. Преподаватели считают это ошибкой, однокурсники — шуткой. "
              "Но в ночь вступительного экзамена чужие тени начинают его слушаться."),
    dict(id=9020, code="murasame-the-cat-detective", ru="Кошачий детектив Мурасаме",
         en="Murasame the Cat Detective", type=1, status=1, year=2026, season=4, day=3, out=8,
         planned=12, length=24, genres=["Детектив", "Комедия"],
         desc="Кот Мурасаме уверен, что он лучший сыщик Киото, и его хозяйка-студентка не "
              "спорит. Вместе они расследуют пропажи рыбы, носков и одного очень дорогого "
              "кимоно. Иногда дела оказываются серьёзнее, чем выглядят."),
    dict(id=9021, code="chronicles-of-the-cloud-city", ru="Хроники облачного города",
         en="Chronicles of the Cloud City", type=1, status=1, year=2026, season=4, day=4,
         out=7, planned=12, length=24, genres=["Фэнтези", "Приключения"],
         desc="Город парит над облаками на спине гигантского кита. Картограф Лио составляет "
              "карту его улиц, которые меняются каждую ночь. Когда кит начинает снижаться, "
              "только карта Лио может подсказать, что с ним происходит."),
    dict(id=9022, code="rooftop-runner", ru="Бегущая по крышам", en="Rooftop Runner", type=1,
         status=1, year=2026, season=4, day=5, out=8, planned=12, length=24,
         genres=["Спорт", "Драма"],
         desc="Школьница Нацу занимается паркуром на крышах старого района. Когда район решают "
              "снести, она вызывает застройщика на гонку. Если выиграет — крыши останутся."),
    dict(id=9023, code="requiem-for-a-gardener-robot", ru="Реквием для робота-садовника",
         en="Requiem for a Gardener Robot", type=3, status=1, year=2026, season=4, day=6,
         out=6, planned=10, length=15, genres=["Фантастика", "Драма"],
         desc="Последний робот-садовник ухаживает за парком в опустевшем городе. Он не знает, "
              "что люди ушли навсегда, и каждое утро готовит скамейки к их приходу."),
    dict(id=9024, code="my-neighbor-is-a-thunder-god", ru="Мой сосед — бог грозы",
         en="My Neighbor Is a Thunder God", alt="Tonari no Raijin-sama", type=1, status=1,
         year=2026, season=4, day=0, out=8, planned=12, length=24,
         genres=["Комедия", "Романтика", "Сверхъестественное"],
         desc="В квартиру за стенкой въезжает бог грозы, сосланный на землю за дурной характер. "
              "Теперь у Мэй то и дело выбивает пробки, а сосед просит соль и советы по "
              "человеческой жизни. Кажется, он остаётся надолго."),
    dict(id=9025, code="comet-hunters", ru="Охотники за кометами", en="Comet Hunters", type=1,
         status=1, year=2026, season=4, day=1, out=7, planned=12, length=24,
         genres=["Фантастика", "Приключения", "Экшен"],
         desc="Экипаж маленького корабля ловит кометы, чтобы продать их лёд колониям. Очередная "
              "комета оказывается не ледяной глыбой, а спящим кораблём неизвестной "
              "цивилизации."),
    dict(id=9026, code="the-blue-hour", ru="Синий час", en="The Blue Hour", type=1, status=1,
         year=2026, season=4, day=2, out=9, planned=12, length=24,
         genres=["Романтика", "Драма", "Повседневность"],
         desc="Фотограф и ночная смена кафе встречаются каждый день в одно и то же время — в "
              "синий час между ночью и утром. Им есть что рассказать друг другу, но слова "
              "всегда находятся слишком поздно."),
    dict(id=9027, code="tetsu-the-iron-samurai", ru="Железный самурай Тэцу",
         en="Tetsu the Iron Samurai", type=1, status=1, year=2026, season=4, day=3, out=8,
         planned=12, length=24, genres=["Экшен", "Исторический", "Меха"],
         desc="В альтернативной эпохе Эдо самураи сражаются в паровых доспехах. Кузнец Тэцу "
              "собирает свой доспех из обломков, чтобы отомстить за разрушенную деревню."),
    dict(id=9028, code="the-bakery-at-the-worlds-edge", ru="Пекарня на краю света",
         en="The Bakery at the World's Edge", type=1, status=1, year=2026, season=4, day=4,
         out=7, planned=12, length=24, genres=["Повседневность", "Фэнтези"],
         desc="Там, где заканчивается карта, стоит пекарня. В неё заходят странники, "
              "заблудившиеся духи и однажды — сам край света, которому не с кем поговорить."),
    dict(id=9029, code="whispers-of-the-old-library", ru="Шёпот старой библиотеки",
         en="Whispers of the Old Library", type=1, status=1, year=2026, season=4, day=5, out=8,
         planned=12, length=24, genres=["Мистика", "Детектив", "Сверхъестественное"],
         desc="Книги в городской библиотеке шепчут по ночам, и только новый библиотекарь их "
              "слышит. Одна из книг утверждает, что её автор был убит, и просит найти убийцу."),
    dict(id=9030, code="zero-g-volleyball", ru="Гравитационный волейбол",
         en="Zero-G Volleyball", type=1, status=1, year=2026, season=4, day=6, out=7,
         planned=12, length=24, genres=["Спорт", "Комедия", "Фантастика"],
         desc="На лунной базе придумали волейбол без гравитации, и теперь это самый популярный "
              "спорт Солнечной системы. Команда из шахтёрского посёлка впервые едет на "
              "чемпионат."),
    dict(id=9031, code="part-time-vampire", ru="Вампир на полставки", en="Part-Time Vampire",
         type=1, status=1, year=2026, season=4, day=4, out=5, planned=12, length=24,
         genres=["Вампиры", "Комедия", "Романтика"], blocked=True,
         desc="Вампирша Лиля работает ночным кассиром, чтобы оплатить аренду замка. "
              "Покупатели странные, начальник — ещё страннее, а донорская кровь дорожает."),
    dict(id=9032, code="dragon-accounting", ru="Драконья бухгалтерия", en="Dragon Accounting",
         type=1, status=1, year=2026, season=4, day=0, out=6, planned=12, length=24,
         genres=["Комедия", "Фэнтези"],
         announce="Серия выйдет с задержкой на неделю: переводчик сдаёт годовой отчёт.",
         desc="Дракон нанимает бухгалтера, чтобы пересчитать сокровища перед налоговой "
              "проверкой королевства. Выясняется, что половина золота — долговые расписки "
              "рыцарей, которые пытались его победить."),
    dict(id=9033, code="city-without-shadows", ru="Город без теней", en="City Without Shadows",
         type=1, status=2, year=2015, season=4, day=3, out=12, planned=12, length=24,
         genres=["Мистика", "Психологическое"], old=True,
         desc="В городе, где никто не отбрасывает тени, детектив Иори расследует исчезновения. "
              "Пропавшие возвращаются через неделю, но уже не помнят своих имён."),
    dict(id=9034, code="song-of-the-desert-wind", ru="Песнь пустынного ветра",
         en="Song of the Desert Wind", type=1, status=2, year=2016, season=3, day=1, out=24,
         planned=24, length=24, genres=["Приключения", "Фэнтези"], old=True,
         desc="Караванщица Сахра ищет город, который появляется в пустыне раз в сто лет. "
              "Дорогу к нему знает только ветер, и ветер умеет петь. "
              "Вместе с ней идут бывший наёмник, немой музыкант и очень наглый верблюд."),
    dict(id=9035, code="the-little-spell-shop", ru="Маленькая лавка заклинаний",
         en="The Little Spell Shop", type=1, status=2, year=2020, season=1, day=2, out=12,
         planned=12, length=24, genres=["Магия", "Комедия", "Повседневность"],
         desc="Недоучившийся маг открывает лавку уценённых заклинаний. Заклинания работают, "
              "но не совсем так, как написано на этикетке."),
    dict(id=9036, code="heading-for-andromeda", ru="Курс на Андромеду",
         en="Heading for Andromeda", type=0, status=2, year=2021, season=2, day=5, out=1,
         planned=1, length=118, genres=["Фантастика", "Драма"],
         desc="Корабль поколений летит к Андромеде уже триста лет. Девочка, родившаяся на "
              "борту, первой замечает, что звёзды за иллюминатором ненастоящие."),
    dict(id=9037, code="the-scarlet-scarf", ru="Алый шарф", en="The Scarlet Scarf", type=1,
         status=2, year=2022, season=2, day=3, out=12, planned=12, length=24,
         genres=["Романтика", "Школа", "Драма"],
         desc="Каждую зиму кто-то оставляет на школьной ограде алый шарф. Староста класса "
              "решает выяснить, кто это, и находит историю длиной в сорок лет."),
    dict(id=9038, code="a-thousand-cranes", ru="Тысяча журавликов", en="A Thousand Cranes",
         type=0, status=2, year=2023, season=3, day=6, out=1, planned=1, length=96,
         genres=["Драма", "Романтика"],
         desc="Она складывает журавликов, чтобы загадать желание, он — чтобы забыть. "
              "Их бумажные птицы встречаются раньше, чем они сами."),
    dict(id=9039, code="knights-of-the-paper-castle", ru="Рыцари бумажного замка",
         en="Knights of the Paper Castle", type=3, status=2, year=2024, season=3, day=0,
         out=10, planned=10, length=12, genres=["Комедия", "Фэнтези"],
         desc="Короткие истории о рыцарях, которые охраняют замок, нарисованный на полях "
              "школьной тетради. Главный враг — ластик."),
    dict(id=9040, code="hunting-night-moths", ru="Охота на ночных мотыльков",
         en="Hunting Night Moths", type=1, status=2, year=2025, season=1, day=4, out=13,
         planned=13, length=24, genres=["Экшен", "Сверхъестественное", "Демоны"],
         skips={"opening": [1, 2], "ending": [3, 4]},
         desc="Демоны-мотыльки слетаются на свет человеческих желаний. Охотница Кагэри ловит их "
              "сачком из лунной нити, но однажды мотылёк садится на её собственное сердце."),
    dict(id=9041, code="kingdom-of-one-table", ru="Королевство одного стола",
         en="Kingdom of One Table", type=1, status=2, year=2025, season=2, day=5, out=12,
         planned=12, length=24, genres=["Комедия", "Повседневность"],
         desc="Клуб настольных игр спасает от закрытия единственная ролевая кампания, "
              "которую ведёт очень серьёзный первокурсник. Игроки относятся к ней куда "
              "легкомысленнее."),
    dict(id=9042, code="the-last-train-to-jupiter", ru="Последний поезд на Юпитер",
         en="The Last Train to Jupiter", type=2, status=2, year=2019, season=1, day=6, out=3,
         planned=3, length=30, genres=["Фантастика", "Мистика"],
         desc="Космический поезд делает последний рейс к Юпитеру перед закрытием линии. "
              "Пассажиров всего пятеро, и каждый едет туда по причине, о которой молчит."),
    dict(id=9043, code="blood-and-lavender", ru="Кровь и лаванда", en="Blood and Lavender",
         type=1, status=2, year=2021, season=4, day=2, out=12, planned=12, length=24,
         genres=["Вампиры", "Романтика", "Драма"],
         desc="Вампир-парфюмер создаёт аромат, который скрывает запах крови. Его первая "
              "клиентка — охотница на вампиров, и она пришла не за духами."),
    dict(id=9044, code="combat-chef-school", ru="Школа боевых поваров", en="Combat Chef School",
         type=1, status=2, year=2020, season=4, day=1, out=24, planned=24, length=24,
         genres=["Боевые искусства", "Комедия", "Школа"],
         desc="В этой школе поединки решаются ножами — но только кухонными. Новичок из "
              "провинциальной закусочной бросает вызов чемпиону по нарезке лука."),
    dict(id=9045, code="a-hundred-years-of-silence", ru="Сто лет тишины",
         en="A Hundred Years of Silence", type=1, status=4, year=2025, season=4, day=3, out=6,
         planned=12, length=24, genres=["Драма", "Исторический", "Мистика"],
         desc="Монастырь в горах хранит обет молчания уже сто лет. Молодой послушник находит "
              "записку, которая объясняет, почему — и почему обет нельзя нарушать."),
    dict(id=9046, code="swords-and-daisies", ru="Мечи и маргаритки", en="Swords and Daisies",
         type=1, status=2, year=2026, season=3, day=4, out=12, planned=12, length=24,
         genres=["Фэнтези", "Романтика", "Экшен"],
         desc="Принцесса-воительница и садовник королевского замка обмениваются уроками: она "
              "учит его фехтовать, он её — выращивать маргаритки. Обоим это пригодится."),
    dict(id=9047, code="the-secret-of-kuruma-island", ru="Тайна острова Курумы",
         en="The Secret of Kuruma Island", type=1, status=3, year=2018, season=3, day=5,
         out=12, planned=12, length=24, genres=["Детектив", "Приключения"],
         desc="Летний лагерь на острове Курума закрыли двадцать лет назад. Пятеро бывших "
              "вожатых возвращаются туда по приглашению, которое никто из них не отправлял."),
    dict(id=9048, code="echo-of-the-glacier", ru="Эхо ледника", en=None, type=4, status=2,
         year=2025, season=1, day=6, out=1, planned=1, length=24, genres=["Драма"],
         desc="Полярница записывает звуки тающего ледника и слышит в них голос."),
    dict(id=9049, code="paper-plane-pilots", ru="Пилоты бумажных самолётов",
         en="Paper Plane Pilots", type=1, status=2, year=2016, season=2, day=0, out=12,
         planned=12, length=24, genres=["Спорт", "Школа"], bakanim=True,
         desc="Школьный кружок запускает бумажные самолётики на дальность и мечтает о "
              "национальном турнире. Тренер — бывший пилот, который никогда не летал."),
    dict(id=9050, code="neon-oracle", ru="Неоновый оракул", en="Neon Oracle", type=1, status=2,
         year=2026, season=3, day=1, out=12, planned=12, length=24,
         genres=["Фантастика", "Детектив", "Психологическое"],
         alternative_player="//player.anitui.invalid/embed/9050",
         desc="В мегаполисе будущего полиция предсказывает преступления с помощью ИИ-оракула. "
              "Оракул впервые ошибается — или впервые говорит правду о тех, кто его создал."),
]

YOUTUBE = [
    (401, "АНОНС — АНИМЕ ОСЕНЬ 2026", 3),
    (402, "Как мы озвучиваем: один день в студии", 9),
    (403, "Топ-10 опенингов лета 2026", 16),
    (404, "Звёздный курьер 3 — трейлер с нашей озвучкой", 24),
    (405, "Ответы на вопросы зрителей #12", 31),
    (406, "Итоги сезона: что досмотреть", 40),
    (407, "Ведьма с улицы Фонарей 2 — первые впечатления", 47),
    (408, "Закадр: как делают тайминг", 58),
]

SEED_USERS = ["Kisaragi", "night_owl_77", "Tsukune", "lantern-fan", "Pryanik", "orbital_mika",
              "Velvetka", "seeder9000", "Aoharu", "moth_hunter"]

# fmt: on


def _franchise_html(fr: str) -> str:
    members = [t for t in TITLES if t.get("fr") == fr]
    members.sort(key=lambda t: (int(t["year"]), int(t["season"]), int(t["id"])))
    lines = [
        f'#{n}. <a href="/release/{t["code"]}.html">{t["ru"]}</a>'
        for n, t in enumerate(members, start=1)
    ]
    return "<br><br><b>Порядок просмотра:</b><br>" + "<br>".join(lines)


def _description(t: dict[str, Any]) -> str:
    text = str(t["desc"]).replace("«", "&laquo;").replace("»", "&raquo;")
    fr = t.get("fr")
    return text + (_franchise_html(str(fr)) if fr else "")


def _last_release(day: int, rng: random.Random) -> int:
    """The most recent release on weekday `day` before DEMO_NOW (a Monday, 00:00 UTC)."""
    days_back = (0 - day) % 7 or 7
    return DEMO_NOW - days_back * DAY + rng.randrange(15, 21) * 3600 + rng.randrange(60) * 60


def _season_start(year: int, season: int) -> int:
    month = {1: 1, 2: 4, 3: 7, 4: 10}[season]
    return int(dt.datetime(year, month, 3, 17, 0, tzinfo=dt.UTC).timestamp())


def build_catalog() -> Catalog:
    """The demo catalog from the tables above (torrent hashes computed as titles are added)."""
    rng = random.Random(20261123)
    catalog = Catalog()
    torrent_id = 21000
    for t in TITLES:
        title_id = int(t["id"])
        out = int(t["out"])
        planned = int(t["planned"])
        status = int(t["status"])
        day = int(t["day"])
        ongoing = status == 1
        if ongoing:
            last = _last_release(day, rng)
            times = [last - WEEK * (out - n) for n in range(1, out + 1)]
            updated = last
        else:
            start = _season_start(int(t["year"]), int(t["season"]))
            times = [start + WEEK * n + rng.randrange(3600) for n in range(out)]
            updated = DEMO_NOW - rng.randrange(3, 75) * DAY - rng.randrange(DAY)
        last_change = updated + rng.randrange(0, 3) * DAY // 2 + rng.randrange(3600)
        last_change = min(last_change, DEMO_NOW - 600)
        torrents: list[TorrentSeed] = []
        kinds = ["1080", "720"]
        if not ongoing and rng.random() < 0.5:
            kinds.append("hevc" if int(t["year"]) >= 2020 else "bd1080")
        if rng.random() < 0.15:
            kinds = ["1080"]
        if out:
            for kind in kinds:
                torrent_id += 1
                uploaded = (times[-1] if times else updated) + rng.randrange(600, 7200)
                torrents.append(
                    TorrentSeed(
                        torrent_id,
                        kind,
                        1,
                        out,
                        min(uploaded, DEMO_NOW - 60),
                        seeders=rng.randrange(0, 80),
                        leechers=rng.randrange(0, 12),
                        downloads=rng.randrange(50, 20_000),
                    )
                )
        team = {
            "voice": sorted(rng.sample(VOICE, rng.randint(2, 4))),
            "translator": [rng.choice(TRANSLATOR)],
            "editing": [rng.choice(EDITING)] if rng.random() < 0.7 else [],
            "decor": [rng.choice(DECOR)] if rng.random() < 0.5 else [],
            "timing": [rng.choice(TIMING)],
        }
        seed = TitleSeed(
            id=title_id,
            code=str(t["code"]),
            ru=str(t["ru"]),
            en=t["en"] if t["en"] is None else str(t["en"]),
            alternative=str(t["alt"]) if t.get("alt") else None,
            description_html=_description(t),
            status=status,
            type_code=int(t["type"]),
            planned=planned,
            length=int(t["length"]),
            genres=sorted(t["genres"]),
            team=team,
            year=int(t["year"]),
            season_code=int(t["season"]),
            week_day=day,
            in_favorites=rng.randrange(800, 16_000) if ongoing else rng.randrange(100, 9_000),
            updated=updated,
            last_change=last_change,
            episode_times=times,
            torrents=torrents,
            announce=str(t["announce"]) if t.get("announce") else None,
            blocked=bool(t.get("blocked")),
            bakanim=bool(t.get("bakanim")),
            alternative_player=str(t["alternative_player"])
            if t.get("alternative_player")
            else None,
            old_generation=bool(t.get("old")),
            skips=t.get("skips") or {"opening": [], "ending": []},
            episode_names=t.get("episode_names") or {},
        )
        catalog.add_title(seed.build())
    catalog.youtube = [
        {
            "id": yid,
            "title": title,
            "image": f"{LOCAL_HOST}/storage/youtube/{yid}.jpg",
            "youtube_id": token("youtube", yid, length=11),
            "timestamp": DEMO_NOW - days * DAY + rng.randrange(DAY),
        }
        for yid, title, days in YOUTUBE
    ]
    catalog.team = {
        "voice": VOICE,
        "translator": TRANSLATOR,
        "editing": EDITING,
        "decor": DECOR,
        "timing": TIMING,
    }
    catalog.seed_stats = [
        {
            "downloaded": rng.randrange(10**9, 10**12),
            "uploaded": rng.randrange(10**9, 5 * 10**12),
            "user": user,
        }
        for user in SEED_USERS
    ]
    catalog.accounts = [Account("demo", "demo@anitui.invalid", "demo-password")]
    return catalog


def _palette(rng: random.Random) -> list[tuple[int, int, int]]:
    base = rng.random()
    colors = []
    for k in range(5):
        hue = (base + k * 0.13) % 1
        rgb = colorsys.hsv_to_rgb(hue, 0.55 + 0.4 * rng.random(), 0.5 + 0.5 * rng.random())
        colors.append((int(rgb[0] * 255), int(rgb[1] * 255), int(rgb[2] * 255)))
    return colors


def _abstract(size: tuple[int, int], seed: int) -> Image.Image:
    """Colourful abstract art: a gradient sky, soft circles and a few sharp shapes."""
    rng = random.Random(seed)
    colors = _palette(rng)
    width, height = size
    image = Image.new("RGB", size)
    top, bottom = colors[0], colors[1]
    draw = ImageDraw.Draw(image)
    for y in range(height):
        f = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)),
        )
    glow = Image.new("RGB", size, (0, 0, 0))
    gdraw = ImageDraw.Draw(glow)
    for _ in range(5):
        r = rng.randint(width // 8, width // 3)
        x, y = rng.randrange(width), rng.randrange(height)
        gdraw.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice(colors[2:]))
    glow = glow.filter(ImageFilter.GaussianBlur(width // 14))
    image = Image.blend(image, glow, 0.45)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 6)):
        kind = rng.random()
        color = rng.choice(colors)
        if kind < 0.4:
            points = [(rng.randrange(width), rng.randrange(height)) for _ in range(3)]
            draw.polygon(points, fill=color)
        elif kind < 0.7:
            y = rng.randrange(height)
            draw.rectangle([0, y, width, y + rng.randint(2, height // 20)], fill=color)
        else:
            r = rng.randint(width // 12, width // 5)
            x, y = rng.randrange(width), rng.randrange(height)
            draw.ellipse([x - r, y - r, x + r, y + r], outline=color, width=max(2, width // 60))
    return image


def make_images() -> None:
    """Ten posters and four episode previews."""
    for folder in ("posters", "previews"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
        (HERE / folder).mkdir()
    for n in range(1, 11):
        _abstract((240, 340), 1000 + n).save(
            HERE / "posters" / f"poster-{n:02d}.jpg", quality=70, optimize=True
        )
    for n in range(1, 5):
        _abstract((256, 144), 2000 + n).save(
            HERE / "previews" / f"preview-{n}.jpg", quality=70, optimize=True
        )


def _ffmpeg() -> str:
    if os.environ.get("FFMPEG"):
        return os.environ["FFMPEG"]
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def make_media() -> None:
    """A 4-second moving test pattern with a sine tone, as HLS in three labelled qualities.

    The segments of a quality, joined, are also every demo torrent's files (padded at run time,
    `app/devserver/demo_media.py`): after changing them, run this script again so the
    catalog's torrent hashes and sizes follow.
    """
    ffmpeg = _ffmpeg()
    qualities = {
        "1080": ("320x180", 96, 440),
        "720": ("256x144", 72, 550),
        "480": ("192x108", 48, 660),
    }
    for height, (size, kbps, tone) in qualities.items():
        folder = HERE / "media" / height
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    ffmpeg,
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc2=size={size}:rate=24:duration=4",
                    "-f",
                    "lavfi",
                    "-i",
                    f"sine=frequency={tone}:sample_rate=44100:duration=4",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryslow",
                    "-profile:v",
                    "baseline",
                    "-pix_fmt",
                    "yuv420p",
                    "-b:v",
                    f"{kbps}k",
                    "-maxrate",
                    f"{kbps * 2}k",
                    "-bufsize",
                    f"{kbps * 2}k",
                    "-g",
                    "48",
                    "-keyint_min",
                    "48",
                    "-sc_threshold",
                    "0",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "32k",
                    "-ac",
                    "1",
                    "-f",
                    "hls",
                    "-hls_time",
                    "2",
                    "-hls_list_size",
                    "0",
                    "-hls_playlist_type",
                    "vod",
                    "-hls_segment_filename",
                    f"{tmp}/seg%03d.ts",
                    f"{tmp}/index.m3u8",
                ],
                check=True,
            )
            for file in Path(tmp).iterdir():
                shutil.copy(file, folder / file.name)


def main() -> None:
    """Write the assets next to this script."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--media", action="store_true", help="also encode the HLS clips (ffmpeg)")
    args = parser.parse_args()
    make_images()
    if args.media:
        make_media()
    catalog = build_catalog()
    text = json.dumps(catalog.to_json(), ensure_ascii=False, indent=1)
    (HERE / "catalog.json").write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
