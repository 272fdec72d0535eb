"""The admin's history of a release: versions, their differences, restore and split, merge,
withdrawal in place of deletion, and removal for good, each through the admin's pages."""

import re
import time
from html import escape

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from articles.models import Article, ArticleRemoval, ArticleVersion
from articles.version_diff import word_diff

from .test_admin import change_form, found, inline_forms

ADMIN = "/admin/articles/article"


@pytest.fixture
def editor(client, django_user_model):
    """An editor signed in to the admin, allowed everything."""
    client.force_login(
        django_user_model.objects.create_superuser("editor", "editor@example.org", "a long password 123")
    )
    return client


def edit(client, archive, article, **changes):
    """Post the article's change form, with `changes`, as the admin page does."""
    article = Article.objects.get(pk=article.pk)
    with archive.committed():
        response = client.post(f"{ADMIN}/{article.pk}/change/", change_form(article, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def page(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def versions_of(article):
    return list(ArticleVersion.objects.filter(article_id=article.pk).order_by("number"))


@pytest.fixture
def corrected(editor, archive):
    """A release edited once by an editor, with a note: two versions."""
    article = archive.add("Water talks", "Kenya discussed water with Uganda.")
    edit(
        editor,
        archive,
        article,
        body="Kenya discussed irrigation with Uganda.",
        change_note="The subject of the talks was corrected.",
    )
    return Article.objects.get(pk=article.pk)


def test_an_edit_with_a_note_makes_version_2_and_the_history_lists_both(editor, corrected):
    first, second = versions_of(corrected)
    assert (second.number, second.major, second.note, second.how) == (
        2,
        True,
        "The subject of the talks was corrected.",
        "admin edit",
    )
    assert second.created_by.username == "editor"
    html = page(editor, f"{ADMIN}/{corrected.pk}/versions/")
    assert "Kept as version 2 (readers are told)." in html  # the message after the save
    assert "version 1" in html and "version 2" in html
    assert "The subject of the talks was corrected." in html
    assert f'href="{ADMIN}/{corrected.pk}/versions/1/"' in html
    assert (
        f'href="/articles/{corrected.pk}/water-talks/versions/1/"' in html
    )  # the version's page for readers
    assert f'href="{ADMIN}/{corrected.pk}/versions/"' in page(
        editor, f"{ADMIN}/{corrected.pk}/change/"
    )  # linked from the change page


def test_a_minor_edit_is_kept_as_a_minor_version(editor, corrected, archive):
    edit(editor, archive, corrected, title="Water talks.", minor="on")
    assert [(v.number, v.major) for v in versions_of(corrected)] == [(1, True), (2, True), (3, False)]
    row = re.search(
        r"<tr class=\"minor\">.*?</tr>", page(editor, f"{ADMIN}/{corrected.pk}/versions/"), re.S
    ).group()
    assert "version 3" in row and "minor" in row


def test_a_save_that_changes_nothing_writes_no_version(editor, corrected, archive):
    edit(editor, archive, corrected, change_note="A note about nothing.")
    assert len(versions_of(corrected)) == 2
    messages = messages_of(editor.get(f"{ADMIN}/{corrected.pk}/change/"))
    assert any("no version was written" in message for message in messages)


def test_adding_a_release_in_the_admin_makes_its_version_1(editor, archive):
    data = {
        "title": "Added by hand",
        "published": "2019-09-27",
        "source": "",
        "body": "Kenya discussed water.",
        **inline_forms("country_tags", [], []),
        **inline_forms("country_choices", [], []),
    }
    with archive.committed():
        assert editor.post(f"{ADMIN}/add/", data).status_code == 302
    (version,) = versions_of(Article.objects.get(title="Added by hand"))
    assert (version.number, version.how, version.created_by.username) == (1, "admin: added", "editor")


def test_the_difference_of_two_versions_marks_the_changed_words_and_escapes_the_texts(editor, archive):
    article = archive.add(
        "Trade <b>talks</b>", "Kenya & Uganda discussed <script>alert(1)</script> tariffs on tea."
    )
    edit(
        editor,
        archive,
        article,
        title="Trade talks",
        body="Kenya & Uganda discussed <script>alert(2)</script> quotas on tea.",
    )
    html = page(editor, f"{ADMIN}/{article.pk}/versions/", older=2, newer=1)  # either order: from the older
    assert "From version 1 to version 2" in html
    assert "<del>tariffs</del>" in html and "<ins>quotas</ins>" in html
    assert "<del>1</del>" in html and "<ins>2</ins>" in html
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
    assert "Kenya &amp; Uganda discussed &lt;script&gt;" in html
    assert "Trade &lt;b&gt;talks&lt;/b&gt;" in html  # the title, side by side with the new one
    assert "<b>talks</b>" not in html
    assert (
        " style=" not in html and "<style" not in html
    )  # the CSP allows none: styles come from the admin's stylesheet


def test_a_diff_of_two_large_texts_is_quick(editor, archive):
    paragraph = " ".join(f"word{n % 997} and {n}" for n in range(60))  # about 800 characters
    body = "\n\n".join(f"{paragraph} paragraph {n}." for n in range(2_500))  # about 2 MB
    article = archive.add("A long report", "Kenya. " + body)
    corrected = body.replace("paragraph 1000.", "paragraph one thousand.").replace("word5 and 5 ", "", 1)
    # Posted without letting the commit reach the index: only the versions matter here, and indexing
    # 2 MB takes seconds.
    assert (
        editor.post(
            f"{ADMIN}/{article.pk}/change/",
            change_form(Article.objects.get(pk=article.pk), body="Kenya. " + corrected),
        ).status_code
        == 302
    )
    started = time.perf_counter()
    html = page(editor, f"{ADMIN}/{article.pk}/versions/", older=1, newer=2)
    assert time.perf_counter() - started < 5  # 0.25 s measured
    assert "<del>1000</del><ins>one thousand</ins>" in html
    assert "words unchanged" in html
    assert len(html) < 200_000  # the unchanged stretches folded away


def test_two_large_texts_changed_everywhere_are_compared_within_the_time_limit():
    words = [f"w{n * 7919 % 20011}" for n in range(300_000)]  # one paragraph of 2 MB
    old, new = " ".join(words), " ".join(w + "x" if n % 50 == 0 else w for n, w in enumerate(words))
    started = time.perf_counter()
    difference = word_diff(old, new)
    assert time.perf_counter() - started < 5  # Diff_Timeout is 1 s; 1.1 s measured
    assert "".join(p.text for p in difference.pieces if p.kind != "ins") == old  # coarser, never wrong
    assert "".join(p.text for p in difference.pieces if p.kind != "del") == new


def test_restoring_a_version_makes_a_new_version_with_its_text_found_by_search(editor, corrected, archive):
    with archive.committed():
        response = editor.post(
            f"{ADMIN}/{corrected.pk}/versions/1/restore/", {"note": "The correction was wrong."}, follow=True
        )
    assert "Version 1 is the current text again, kept as version 3." in messages_of(response)
    first, _, third = versions_of(corrected)
    assert (third.body, third.note, third.major) == (first.body, "The correction was wrong.", True)
    assert Article.objects.get(pk=corrected.pk).body == "Kenya discussed water with Uganda."
    assert found(editor, "water") == ["Water talks"] and found(editor, "irrigation") == []
    assert LogEntry.objects.filter(
        object_id=str(corrected.pk), action_flag=CHANGE, change_message__contains="Restored version 1"
    ).exists()


def test_restoring_quietly_is_a_minor_version(editor, corrected, archive):
    with archive.committed():
        editor.post(f"{ADMIN}/{corrected.pk}/versions/1/restore/", {"minor": "on"})
    assert versions_of(corrected)[-1].major is False


def test_restoring_the_current_version_says_there_is_nothing_to_restore(editor, corrected):
    response = editor.post(f"{ADMIN}/{corrected.pk}/versions/2/restore/", follow=True)
    assert response.status_code == 200
    assert any("nothing to restore" in message for message in messages_of(response))
    assert len(versions_of(corrected)) == 2


def test_splitting_version_1_out_makes_a_release_of_it_and_the_original_keeps_its_text(
    editor, corrected, archive
):
    with archive.committed():
        response = editor.post(f"{ADMIN}/{corrected.pk}/versions/1/split/", follow=True)
    split = Article.objects.exclude(pk=corrected.pk).get()
    assert split.body == "Kenya discussed water with Uganda."
    assert Article.objects.get(pk=corrected.pk).body == "Kenya discussed irrigation with Uganda."
    message = " ".join(messages_of(response))
    assert f'href="{ADMIN}/{split.pk}/change/"' in message and "a release of its own" in message
    assert len(versions_of(corrected)) == 2
    assert found(editor, '"discussed water"') == ["Water talks"] and found(editor, "irrigation") == [
        "Water talks"
    ]
    assert editor.get("/api/search", {"q": "water talks"}).json()["count"] == 2
    again = editor.post(
        f"{ADMIN}/{corrected.pk}/versions/1/split/", follow=True
    )  # twice: refused, with the reason
    assert any(f"split out already, as release #{split.pk}" in m for m in messages_of(again))
    assert Article.objects.count() == 2


def test_merging_takes_the_merged_release_out_of_search_and_its_page_says_into_which(editor, archive):
    survivor = archive.add("Budget statement", "Kenya presented its budget.")
    duplicate = archive.add("Budget statement (resent)", "Kenya presented its budget today, resent.")
    html = page(editor, f"{ADMIN}/{duplicate.pk}/merge/")
    assert "Merge “Budget statement (resent)” into another release" in html
    assert (
        f'value="{survivor.pk}"' in html and f"#{survivor.pk} “Budget statement”, 27 September 2019" in html
    )  # same date: offered
    preview = editor.post(f"{ADMIN}/{duplicate.pk}/merge/", {"candidate": survivor.pk}).content.decode()
    assert "Budget statement (resent)" in preview and f"#{survivor.pk} “Budget statement”" in preview
    assert "Select a valid choice" not in preview and 'name="confirmed"' in preview  # the pick was taken
    assert Article.objects.get(pk=duplicate.pk).merged_into_id is None  # shown, not yet done
    with archive.committed():
        response = editor.post(
            f"{ADMIN}/{duplicate.pk}/merge/", {"candidate": survivor.pk, "confirmed": "yes"}, follow=True
        )
    assert response.redirect_chain[-1][0] == f"{ADMIN}/{duplicate.pk}/change/"
    html = response.content.decode()
    assert f"merged into #{survivor.pk}" in html and f'href="{ADMIN}/{survivor.pk}/change/"' in html
    assert "Restore to readers" in html
    assert found(editor, "resent") == [] and found(editor, "budget") == ["Budget statement"]
    permalink = editor.get(duplicate.get_absolute_url())
    assert permalink.status_code == 301 and permalink["Location"] == survivor.get_absolute_url()
    listing = page(editor, f"{ADMIN}/", state="merged")
    assert "Budget statement (resent)" in listing and ">Budget statement<" not in listing

    with archive.committed():
        editor.post(f"{ADMIN}/{duplicate.pk}/reinstate/")
    assert found(editor, "resent") == ["Budget statement (resent)"]


@pytest.mark.parametrize(
    "into, message",
    [
        ("", "Say which release this one is a copy of: pick it, or give its number."),
        ("twelve", "There is no release with the number “twelve”."),
        ("999999", "There is no release with the number “999999”."),
        ("99999999999999999999999", "There is no release with the number"),
        ("itself", "A release cannot be merged into itself"),
    ],
)
def test_a_merge_into_a_release_that_cannot_be_is_refused_with_the_reason(editor, archive, into, message):
    article = archive.add("Budget statement", "Kenya presented its budget.")
    into = str(article.pk) if into == "itself" else into
    response = editor.post(f"{ADMIN}/{article.pk}/merge/", {"into": into, "confirmed": "yes"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Article.objects.get(pk=article.pk).merged_into_id is None


def test_merging_back_into_the_release_it_was_merged_into_is_refused(editor, archive):
    first = archive.add("Budget statement", "Kenya presented its budget.")
    second = archive.add("Budget statement again", "Kenya presented its budget again.")
    editor.post(f"{ADMIN}/{second.pk}/merge/", {"into": first.pk, "confirmed": "yes"})
    response = editor.post(f"{ADMIN}/{first.pk}/merge/", {"into": second.pk, "confirmed": "yes"})
    assert "go round in circles" in response.content.decode()
    assert Article.objects.get(pk=first.pk).merged_into_id is None


def test_the_delete_button_withdraws_and_restoring_to_readers_brings_it_back(editor, archive):
    article = archive.add("Doomed release", "Kenya discussed water.")
    change_page = page(editor, f"{ADMIN}/{article.pk}/change/")
    assert f'href="{ADMIN}/{article.pk}/delete/" class="deletelink">Withdraw</a>' in change_page
    asked = page(editor, f"{ADMIN}/{article.pk}/delete/")
    assert "Why it is withdrawn" in asked and "Nothing is deleted" in asked

    refused = editor.post(f"{ADMIN}/{article.pk}/delete/", {"note": "  "})
    assert refused.status_code == 200 and "Say why the release is withdrawn" in refused.content.decode()
    assert Article.objects.get(pk=article.pk).withdrawn is None

    with archive.committed():
        response = editor.post(f"{ADMIN}/{article.pk}/delete/", {"note": "Issued in error."}, follow=True)
    withdrawn = Article.objects.get(pk=article.pk)  # the row stays
    assert withdrawn.withdrawn is not None and withdrawn.withdrawn_note == "Issued in error."
    assert found(editor, "doomed") == []
    assert editor.get(article.get_absolute_url()).status_code == 410
    html = response.content.decode()
    assert (
        "This release was withdrawn on" in html
        and "Issued in error." in html
        and "Restore to readers" in html
    )
    listing = page(editor, f"{ADMIN}/", state="withdrawn")
    assert "Doomed release" in listing and "withdrawn on" in listing
    assert "Doomed release" not in page(editor, f"{ADMIN}/", state="public")
    assert LogEntry.objects.filter(
        object_id=str(article.pk), change_message="Withdrawn: Issued in error."
    ).exists()

    with archive.committed():
        back = editor.post(f"{ADMIN}/{article.pk}/reinstate/", follow=True)
    assert "The release is back in search and at its link." in messages_of(back)
    assert Article.objects.get(pk=article.pk).is_public
    assert found(editor, "doomed") == ["Doomed release"]


def test_delete_selected_is_withdraw_selected_and_asks_for_the_note(editor, archive):
    one, two = archive.add("First doomed", "Kenya."), archive.add("Second doomed", "Uganda.")
    listing = page(editor, f"{ADMIN}/")
    assert 'value="withdraw_selected"' in listing and 'value="delete_selected"' not in listing
    selected = {"action": "withdraw_selected", "_selected_action": [one.pk, two.pk]}
    asked = editor.post(f"{ADMIN}/", {**selected, "index": 0})
    assert asked.status_code == 200 and "these 2 releases" in asked.content.decode()
    refused = editor.post(f"{ADMIN}/", {**selected, "post": "yes", "note": ""})
    assert "Say why the release is withdrawn" in refused.content.decode()
    with archive.committed():
        editor.post(f"{ADMIN}/", {**selected, "post": "yes", "note": "Sent by mistake."})
    assert Article.objects.withdrawn().count() == 2 and Article.objects.count() == 2
    assert found(editor, "doomed") == []
    # The admin's own deletion is not offered, even when asked for by name.
    editor.post(
        f"{ADMIN}/", {"action": "delete_selected", "_selected_action": [one.pk], "post": "yes", "index": 0}
    )
    assert Article.objects.count() == 2


def test_removing_for_good_needs_a_reason_and_a_confirmation_and_leaves_a_trace(editor, archive):
    article = archive.add("Defamatory release", "Kenya discussed water.")
    assert f'href="{ADMIN}/{article.pk}/remove/"' in page(editor, f"{ADMIN}/{article.pk}/change/")
    assert "Only for a legal removal" in page(editor, f"{ADMIN}/{article.pk}/remove/")
    no_reason = editor.post(
        f"{ADMIN}/{article.pk}/remove/", {"reason": "", "confirm": str(article.pk)}
    ).content.decode()
    assert "Say why the release is removed for good" in no_reason
    unconfirmed = editor.post(
        f"{ADMIN}/{article.pk}/remove/", {"reason": "Court order 12/2024.", "confirm": "yes"}
    ).content.decode()
    assert f"Type {article.pk}, this release&#x27;s number" in unconfirmed
    assert Article.objects.filter(pk=article.pk).exists()

    with archive.committed():
        response = editor.post(
            f"{ADMIN}/{article.pk}/remove/",
            {"reason": "Court order 12/2024.", "confirm": str(article.pk)},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == f"{ADMIN}/"
    assert not Article.objects.filter(pk=article.pk).exists()
    removal = ArticleRemoval.objects.get(article_id=article.pk)
    assert (removal.reason, removal.removed_by.username) == ("Court order 12/2024.", "editor")
    entry = LogEntry.objects.get(object_id=str(article.pk), action_flag=DELETION)
    assert (
        entry.change_message == "Removed permanently: Court order 12/2024."
        and entry.user.username == "editor"
    )
    assert found(editor, "defamatory") == []


@pytest.fixture
def reader(client, django_user_model):
    """Staff who may look at releases but not change or delete them."""
    user = django_user_model.objects.create_user(
        "reader", "reader@example.org", "a long password 123", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    return client


def test_someone_who_may_not_change_releases_gets_403_from_every_action(reader, archive):
    article = archive.add("Water talks", "Kenya discussed water.")
    assert reader.get(f"{ADMIN}/{article.pk}/versions/").status_code == 200  # reading the history is viewing
    for path, data in [
        ("versions/1/restore/", {}),
        ("versions/1/split/", {}),
        ("reinstate/", {}),
        ("delete/", {"note": "x"}),
        ("merge/", {"into": article.pk, "confirmed": "yes"}),
        ("remove/", {"reason": "x", "confirm": str(article.pk)}),
    ]:
        assert reader.post(f"{ADMIN}/{article.pk}/{path}", data).status_code == 403, path
    assert Article.objects.get(pk=article.pk).is_public and len(versions_of(article)) == 1


def test_removing_for_good_needs_the_delete_permission_beyond_change(reader, archive, django_user_model):
    article = archive.add("Water talks", "Kenya discussed water.")
    user = django_user_model.objects.get(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    assert (
        reader.post(f"{ADMIN}/{article.pk}/remove/", {"reason": "x", "confirm": str(article.pk)}).status_code
        == 403
    )
    assert "Remove permanently" not in page(reader, f"{ADMIN}/{article.pk}/change/")
    assert (
        reader.post(f"{ADMIN}/{article.pk}/delete/", {"note": "Issued in error."}).status_code == 302
    )  # withdrawing is a change


@pytest.mark.parametrize("path", ["versions/1/restore/", "versions/1/split/", "reinstate/"])
def test_the_actions_answer_only_posts(editor, archive, path):
    article = archive.add("Water talks", "Kenya discussed water.")
    for method in ("get", "put", "delete"):
        assert getattr(editor, method)(f"{ADMIN}/{article.pk}/{path}").status_code == 405, method


@pytest.mark.parametrize("path", ["merge/", "remove/", "delete/"])
def test_the_action_forms_refuse_other_methods(editor, archive, path):
    article = archive.add("Water talks", "Kenya discussed water.")
    assert editor.put(f"{ADMIN}/{article.pk}/{path}").status_code == 405
    assert Article.objects.get(pk=article.pk).is_public


def test_the_actions_need_the_csrf_token(db, archive, django_user_model):
    article = archive.add("Water talks", "Kenya discussed water.")
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(
        django_user_model.objects.create_superuser("editor", "editor@example.org", "a long password 123")
    )
    for path in ["versions/1/restore/", "versions/1/split/", "reinstate/", "merge/", "remove/", "delete/"]:
        assert guarded.post(f"{ADMIN}/{article.pk}/{path}", {"note": "x"}).status_code == 403, path
    assert Article.objects.get(pk=article.pk).is_public


@pytest.mark.parametrize(
    "path",
    [
        "versions/",
        "versions/1/",
        "versions/1/restore/",
        "versions/1/split/",
        "merge/",
        "remove/",
        "reinstate/",
        "delete/",
    ],
)
def test_a_release_that_does_not_exist_is_404(editor, db, path):
    assert editor.post(f"{ADMIN}/999999/{path}").status_code == 404


@pytest.mark.parametrize("path", ["versions/9/", "versions/9/restore/", "versions/9/split/"])
def test_a_version_that_does_not_exist_is_404(editor, archive, path):
    article = archive.add("Water talks", "Kenya discussed water.")
    assert editor.post(f"{ADMIN}/{article.pk}/{path}").status_code in (404, 405)
    assert editor.get(f"{ADMIN}/{article.pk}/versions/9/").status_code == 404
    assert editor.post(f"{ADMIN}/{article.pk}/versions/9/restore/").status_code == 404


@pytest.mark.parametrize(
    "older, newer, message",
    [
        ("1", "7", "There is no version 7 of this release: it has versions 1 to 2."),
        ("0", "2", "Ensure this value is greater than or equal to 1."),
        ("one", "2", "Enter a whole number."),
        ("2", "2", "Choose two different versions to compare."),
        ("1", "", "This field is required."),
        ("1", "99999999999999999999999", "There is no version 99999999999999999999999"),
    ],
)
def test_comparing_versions_that_cannot_be_compared_says_why(editor, corrected, older, newer, message):
    html = page(editor, f"{ADMIN}/{corrected.pk}/versions/", older=older, newer=newer)
    assert escape(message) in html
    assert 'id="difference"' not in html


def test_a_version_page_shows_it_and_offers_restore_and_split(editor, corrected):
    html = page(editor, f"{ADMIN}/{corrected.pk}/versions/1/")
    assert "Kenya discussed water with Uganda." in html
    assert "Restore version 1" in html and "Make version 1 a release of its own" in html
    assert "?older=1&amp;newer=2" in html
    current = page(editor, f"{ADMIN}/{corrected.pk}/versions/2/")
    assert "This is the current version." in current and "Restore version 2" not in current


def test_the_new_pages_have_no_inline_scripts_or_styles(editor, corrected):
    for path in ["versions/", "versions/1/", "merge/", "remove/", "delete/", "change/"]:
        html = page(
            editor,
            f"{ADMIN}/{corrected.pk}/{path}",
            **({"older": 1, "newer": 2} if path == "versions/" else {}),
        )
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and " style=" not in html, path


def test_an_editor_gives_a_release_its_source_url_as_a_version(editor, archive):
    article = archive.add(
        "Water talks", "Kenya and Uganda discussed the shared basin for two days in Kampala."
    )
    response = edit(editor, archive, article, source_url="https://mfa.example.org/press/7", minor="on")
    assert response.status_code == 302
    latest = Article.objects.get(pk=article.pk).versions.order_by("-number").first()
    assert latest.source_url == "https://mfa.example.org/press/7" and not latest.major


def test_releases_with_ids_of_their_own_may_share_a_text_but_others_may_not(editor, archive):
    from articles.ingest.parsing import ParsedArticle
    from articles.services import article_import

    body = "Kenya and Uganda discussed the shared basin for two days in Kampala."
    for identifier in ("A-1", "A-2"):
        with archive.committed():
            article_import(
                parsed=ParsedArticle("Water talks", archive_date(), (body,), identifier=identifier)
            )
    first, second = Article.objects.order_by("pk")
    assert edit(editor, archive, second, body=body + " Updated.").status_code == 302
    assert (
        edit(editor, archive, second, body=body).status_code == 302
    )  # the same text as A-1: allowed, two identities
    archive.add("Lima talks", "Peru and Chile met in Lima.")
    plain = archive.add("Other talks", "Peru and Bolivia met in Lima.")
    form = change_form(
        Article.objects.get(pk=plain.pk), title="Lima talks", body="Peru and Chile met in Lima."
    )
    refused = editor.post(f"{ADMIN}/{plain.pk}/change/", form)
    assert (
        refused.status_code == 200
        and "An identical release is already in the archive" in refused.content.decode()
    )


def archive_date():
    import datetime

    return datetime.date(2019, 9, 27)
