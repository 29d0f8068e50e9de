"""The Aniworld NFO actions as service calls: create (refusing to overwrite unless asked),
update from the API, read, download missing media, the state and the series without NFO; a
failing or slow artwork request costs only the artwork."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.services.nfo import (
    ArtworkStatus,
    NfoExistsError,
    NfoMissingError,
    NotAnImageError,
    OutsideFolderError,
    SeriesFolder,
    SeriesFolderError,
    written_by_anitui,
)
from app.sources.anilibria.models import Status
from app.sources.errors import SourceError
from tests.nfo.conftest import TIMEOUT, Library, parsed, texts
from tests.nfo.test_nfo_documents import TITLE

USERS = b"<tvshow><title>my own</title></tvshow>"
MY_POSTER = b"\xff\xd8\xff my own poster"


POSTERS = f"/storage/releases/posters/{TITLE}/"
"""Where the site serves the title's posters (every size), on either API."""
PREVIEWS = f"/storage/releases/episodes/previews/{TITLE}/"


async def test_create_refuses_to_overwrite_unless_asked(library: Library) -> None:
    series = await library.series(TITLE)
    nfo = series.folder / "tvshow.nfo"
    nfo.write_bytes(USERS)
    (series.folder / "poster.jpg").write_bytes(MY_POSTER)
    service = library.service()

    with pytest.raises(NfoExistsError, match=r"already has a tvshow\.nfo"):
        await service.create(series)
    assert nfo.read_bytes() == USERS
    assert (series.folder / "poster.jpg").read_bytes() == MY_POSTER
    assert not (series.folder / "fanart.jpg").exists()

    state = await service.create(series, overwrite=True)
    assert texts(parsed(nfo), "title") == ["Звёздный курьер"]
    assert (series.folder / "poster.jpg").read_bytes() != MY_POSTER
    assert state.poster.status is ArtworkStatus.PRESENT


async def test_create_keeps_the_users_artwork_when_it_writes_the_nfo(library: Library) -> None:
    series = await library.series(TITLE)
    (series.folder / "poster.jpg").write_bytes(MY_POSTER)

    state = await library.service().create(series)

    assert (series.folder / "poster.jpg").read_bytes() == MY_POSTER
    assert state.poster.status is ArtworkStatus.PRESENT
    assert (series.folder / "fanart.jpg").is_file()
    # Not even asked for: it would only be thrown away.
    assert not [r for r in library.server.requests if r.path.startswith(POSTERS)]


async def test_a_symlinked_nfo_is_replaced_never_written_through(library: Library) -> None:
    series = await library.series(TITLE)
    target = series.folder.parent.parent / "precious.txt"
    target.write_bytes(b"keep me")
    (series.folder / "tvshow.nfo").symlink_to(target)
    service = library.service()

    with pytest.raises(NfoExistsError):
        await service.create(series, media=False)
    await service.create(series, overwrite=True, media=False)

    assert target.read_bytes() == b"keep me"
    assert not (series.folder / "tvshow.nfo").is_symlink()


async def test_update_reads_the_title_again_and_fetches_the_artwork_again(
    library: Library,
) -> None:
    series = await library.series(TITLE)
    service = library.service()
    with pytest.raises(NfoMissingError):
        await service.update(series)
    assert not (series.folder / "tvshow.nfo").exists()

    await service.create(series)
    (series.folder / "poster.jpg").write_bytes(MY_POSTER)
    raw = library.server.catalog.title(TITLE)
    assert raw is not None
    raw["names"]["ru"] = "Звёздный курьер (новое имя)"
    raw["genres"] = ["Драма"]

    # The title the caller holds is the old one: update asks the API.
    state = await service.update(series)

    show = parsed(series.folder / "tvshow.nfo")
    assert texts(show, "title") == ["Звёздный курьер (новое имя)"]
    assert texts(show, "genre") == ["Драма"]
    assert (series.folder / "poster.jpg").read_bytes() != MY_POSTER
    assert state.poster.status is ArtworkStatus.PRESENT

    (series.folder / "poster.jpg").write_bytes(MY_POSTER)
    await service.update(series, media=False)
    assert (series.folder / "poster.jpg").read_bytes() == MY_POSTER


async def test_an_update_the_api_cannot_answer_changes_nothing(library: Library) -> None:
    series = await library.series(TITLE)
    service = library.service()
    await service.create(series, media=False)
    before = (series.folder / "tvshow.nfo").read_bytes()
    api = "/api/v1/anime/releases/" if library.api == "v1" else "/v2/getTitle"
    library.server.faults.fail_next(api, 404)

    with pytest.raises(SourceError):
        await service.update(series)
    assert (series.folder / "tvshow.nfo").read_bytes() == before


async def test_read_gives_the_nfo_content(library: Library) -> None:
    series = await library.series(TITLE)
    service = library.service()
    with pytest.raises(NfoMissingError):
        service.read(series.folder)

    await service.create(series, media=False)
    content = service.read(series.folder)

    data = (series.folder / "tvshow.nfo").read_bytes()
    assert content.text == data.decode("utf-8") and content.size == len(data)
    assert content.path == series.folder.resolve() / "tvshow.nfo"
    assert content.modified == (series.folder / "tvshow.nfo").stat().st_mtime


async def test_a_symlinked_nfo_is_read_only_inside_the_folder(library: Library) -> None:
    series = await library.series(TITLE)
    outside = series.folder.parent.parent / "secret.nfo"
    outside.write_bytes(b"<secret/>")
    (series.folder / "tvshow.nfo").symlink_to(outside)

    with pytest.raises(OutsideFolderError):
        library.service().read(series.folder)


async def test_download_missing_media_fetches_only_what_is_missing(library: Library) -> None:
    series = await library.series(TITLE)
    service = library.service()
    await service.create(series, media=False)
    state = service.state(series.folder, series.title)
    assert (state.poster.status, state.fanart.status) == (ArtworkStatus.MISSING,) * 2
    assert not state.has_media
    (series.folder / "fanart.jpg").write_bytes(MY_POSTER)

    state = await service.download_missing_media(series)

    assert (state.poster.status, state.fanart.status) == (ArtworkStatus.PRESENT,) * 2
    assert (series.folder / "poster.jpg").read_bytes().startswith(b"\xff\xd8\xff")
    assert (series.folder / "fanart.jpg").read_bytes() == MY_POSTER


async def test_failing_and_slow_artwork_is_reported_and_the_nfo_written(
    library: Library,
) -> None:
    series = await library.series(TITLE)
    library.server.faults.fail_next(POSTERS, 503)
    library.server.faults.delay_next(PREVIEWS, TIMEOUT * 3)

    state = await library.service().create(series)

    assert parsed(series.folder / "tvshow.nfo").findtext("title") == "Звёздный курьер"
    assert state.has_nfo
    assert state.poster.status is ArtworkStatus.FAILED
    assert isinstance(state.poster.error, SourceError)
    assert state.fanart.status is ArtworkStatus.FAILED
    assert isinstance(state.fanart.error, SourceError)
    assert sorted(p.name for p in series.folder.iterdir()) == ["tvshow.nfo"]


async def test_a_page_instead_of_an_image_is_no_poster(library: Library) -> None:
    series = await library.series(TITLE)
    library.server.faults.fail_next(POSTERS, 200, body="<html>maintenance</html>")

    state = await library.service().create(series)

    assert state.poster.status is ArtworkStatus.FAILED
    assert isinstance(state.poster.error, NotAnImageError)
    assert not (series.folder / "poster.jpg").exists()


async def test_a_missing_series_folder_is_refused(library: Library) -> None:
    series = await library.series(TITLE)
    series.folder.rmdir()
    with pytest.raises(SeriesFolderError):
        await library.service().create(series)
    assert not series.folder.exists()


async def test_without_nfo_lists_the_series_that_lack_one(library: Library) -> None:
    done = await library.series(TITLE, "Done")
    bare = await library.series(9031, "Bare")
    service = library.service()
    await service.create(done, media=False)

    [state] = service.without_nfo([done, bare])

    assert state.folder == bare.folder and not state.has_nfo
    assert state.fanart.status is ArtworkStatus.NONE_AT_SOURCE


async def test_automatic_writing_follows_the_setting_and_replaces_nothing(
    library: Library,
) -> None:
    series = await library.series(TITLE, episodes={"Show - 01.mkv": 1})
    assert await library.service(episode_nfo=True).write_automatically(series) is None
    assert sorted(p.name for p in series.folder.iterdir()) == ["Show - 01.mkv"]

    automatic = library.service(automatic=True, episode_nfo=True)
    (series.folder / "tvshow.nfo").write_bytes(USERS)
    state = await automatic.write_automatically(series)

    assert state is not None and state.poster.status is ArtworkStatus.PRESENT
    assert (series.folder / "tvshow.nfo").read_bytes() == USERS
    assert (series.folder / "Show - 01.nfo").is_file()
    assert (series.folder / "fanart.jpg").is_file()


def with_status(series: SeriesFolder, code: int) -> SeriesFolder:
    """The same series with its title's status as AniLibria codes it (1 on air, 2 ended)."""
    return replace(series, title=series.title._replace(status=Status(None, code)))


async def test_automatic_writing_keeps_its_own_nfo_up_to_date_until_the_user_edits_it(
    library: Library,
) -> None:
    """A show that ends while followed: the tvshow.nfo anitui wrote says so; one the user
    edited stays as they left it."""
    mine = await library.series(TITLE, "Mine", episodes={"Show - 01.mkv": 1})
    theirs = await library.series(TITLE, "Theirs", episodes={"Show - 01.mkv": 1})
    automatic = library.service(automatic=True)
    for series in (mine, theirs):
        await automatic.write_automatically(with_status(series, 1))
        assert texts(parsed(series.folder / "tvshow.nfo"), "status") == ["Continuing"]
    edited = (theirs.folder / "tvshow.nfo").read_bytes().replace(b"Continuing", b"Watching")
    (theirs.folder / "tvshow.nfo").write_bytes(edited)

    for series in (mine, theirs):
        await automatic.write_automatically(with_status(series, 2))

    assert texts(parsed(mine.folder / "tvshow.nfo"), "status") == ["Ended"]
    assert written_by_anitui((mine.folder / "tvshow.nfo").read_bytes())
    assert (theirs.folder / "tvshow.nfo").read_bytes() == edited
    assert not written_by_anitui(edited) and not written_by_anitui(USERS)
