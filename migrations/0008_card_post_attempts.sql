-- Unknown Slack outcome (issue #10 item 6): when the current series of post attempts of a card began. A post
-- whose answer was lost is looked up in the channel's messages since then (conversations.history `oldest`,
-- paged to the end), however many other messages arrived in between; NULL for a card not being posted.
ALTER TABLE slack_cards ADD COLUMN post_attempted_at timestamptz;
