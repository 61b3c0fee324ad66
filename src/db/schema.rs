// @generated shape: mirrors migrations/sqlite and migrations/postgres (see diesel.toml).

diesel::table! {
    accounts (id) {
        id -> BigInt,
        username -> Text,
        domain -> Nullable<Text>,
        display_name -> Text,
        note_source -> Text,
        note_html -> Text,
        uri -> Text,
        url -> Text,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        followers_url -> Text,
        public_key_pem -> Text,
        avatar_url -> Nullable<Text>,
        header_url -> Nullable<Text>,
        locked -> Bool,
        bot -> Bool,
        discoverable -> Bool,
        fields_json -> Text,
        followers_count -> Integer,
        following_count -> Integer,
        statuses_count -> Integer,
        last_status_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        suspended_at -> Nullable<Timestamp>,
        silenced_at -> Nullable<Timestamp>,
        sensitized_at -> Nullable<Timestamp>,
        also_known_as_json -> Text,
        moved_to_uri -> Nullable<Text>,
        profile_json -> Text,
        is_group -> Bool,
    }
}

diesel::table! {
    group_roles (group_id, account_id) {
        group_id -> BigInt,
        account_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    group_objects (status_id) {
        status_id -> BigInt,
        object_json -> Text,
    }
}

diesel::table! {
    group_bans (group_id, account_id) {
        group_id -> BigInt,
        account_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (account_id) {
        account_id -> BigInt,
        email -> Text,
        password_hash -> Text,
        default_visibility -> Text,
        default_sensitive -> Bool,
        default_language -> Nullable<Text>,
        created_at -> Timestamp,
        role -> Text,
        approved -> Bool,
        disabled -> Bool,
        sign_up_ip -> Nullable<Text>,
        last_sign_in_ip -> Nullable<Text>,
        last_sign_in_at -> Nullable<Timestamp>,
        registration_reason -> Nullable<Text>,
        default_local_only -> Nullable<Bool>,
    }
}

diesel::table! {
    user_identities (account_id) {
        account_id -> BigInt,
        provider -> Text,
        subject -> Text,
        disabled_at -> Nullable<Timestamp>,
        synced_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oidc_logins (state) {
        state -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        authorize_request -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> BigInt,
        name -> Text,
        website -> Nullable<Text>,
        redirect_uris -> Text,
        scopes -> Text,
        client_id -> Text,
        client_secret_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        app_id -> BigInt,
        account_id -> Nullable<BigInt>,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_codes (code_hash) {
        code_hash -> Text,
        app_id -> BigInt,
        account_id -> BigInt,
        scopes -> Text,
        redirect_uri -> Text,
        code_challenge -> Nullable<Text>,
        code_challenge_method -> Nullable<Text>,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    statuses (id) {
        id -> BigInt,
        uri -> Text,
        url -> Text,
        account_id -> BigInt,
        local -> Bool,
        in_reply_to_id -> Nullable<BigInt>,
        in_reply_to_account_id -> Nullable<BigInt>,
        reblog_of_id -> Nullable<BigInt>,
        text -> Text,
        content -> Text,
        spoiler_text -> Text,
        sensitive -> Bool,
        visibility -> Text,
        language -> Nullable<Text>,
        app_id -> Nullable<BigInt>,
        replies_count -> Integer,
        reblogs_count -> Integer,
        favourites_count -> Integer,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        thread_id -> BigInt,
        quote_policy -> Text,
        local_only -> Bool,
        group_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    quotes (id) {
        id -> BigInt,
        status_id -> BigInt,
        quoted_status_id -> Nullable<BigInt>,
        quoted_uri -> Text,
        state -> Text,
        approval_uri -> Nullable<Text>,
        request_uri -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_notes (account_id, target_account_id) {
        account_id -> BigInt,
        target_account_id -> BigInt,
        comment -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    thread_mutes (account_id, thread_id) {
        account_id -> BigInt,
        thread_id -> BigInt,
    }
}

diesel::table! {
    status_edits (id) {
        id -> BigInt,
        status_id -> BigInt,
        text -> Text,
        content -> Text,
        spoiler_text -> Text,
        sensitive -> Bool,
        created_at -> Timestamp,
        media_json -> Text,
        poll_options_json -> Text,
    }
}

diesel::table! {
    mentions (status_id, account_id) {
        status_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_tags (status_id, tag_id) {
        status_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    favourites (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_pins (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    follows (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        show_reblogs -> Bool,
        notify -> Bool,
        uri -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    home_timeline_entries (account_id, status_id) {
        account_id -> BigInt,
        status_id -> BigInt,
        author_id -> BigInt,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        from_account_id -> BigInt,
        kind -> Text,
        status_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        group_key -> Nullable<Text>,
        filtered -> Bool,
    }
}

diesel::table! {
    notification_policies (account_id) {
        account_id -> BigInt,
        for_not_following -> Text,
        for_not_followers -> Text,
        for_new_accounts -> Text,
        for_private_mentions -> Text,
        for_limited_accounts -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notification_requests (id) {
        id -> BigInt,
        account_id -> BigInt,
        from_account_id -> BigInt,
        last_status_id -> Nullable<BigInt>,
        notifications_count -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notification_permissions (account_id, from_account_id) {
        account_id -> BigInt,
        from_account_id -> BigInt,
    }
}

diesel::table! {
    markers (account_id, timeline) {
        account_id -> BigInt,
        timeline -> Text,
        last_read_id -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (account_id, key) {
        account_id -> BigInt,
        key -> Text,
        status_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    peers (id) {
        id -> BigInt,
        host -> Text,
        allowed -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_success_at -> Nullable<Timestamp>,
        last_error_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        actor_uri -> Nullable<Text>,
        pinned_key_pem -> Nullable<Text>,
        offered_key_pem -> Nullable<Text>,
    }
}

diesel::table! {
    account_search (account_id) {
        account_id -> BigInt,
        text -> Text,
    }
}

diesel::table! {
    peer_invites (id) {
        id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        used_by -> Nullable<Text>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_uri -> Text,
        peer_host -> Text,
        inbox_url -> Text,
        signer_account_id -> Nullable<BigInt>,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inbox_queue (id) {
        id -> BigInt,
        activity_uri -> Text,
        peer_host -> Text,
        signer_account_id -> BigInt,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        received_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    received_activities (uri) {
        uri -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    follow_requests (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        show_reblogs -> Bool,
        notify -> Bool,
        uri -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    account_keys (account_id) {
        account_id -> BigInt,
        private_key_pem -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    instance_keys (id) {
        id -> Integer,
        public_key_pem -> Text,
        private_key_pem -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lists (id) {
        id -> BigInt,
        account_id -> BigInt,
        title -> Text,
        replies_policy -> Text,
        exclusive -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    list_accounts (list_id, account_id) {
        list_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    mutes (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        hide_notifications -> Bool,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    blocks (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        uri -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_domain_blocks (id) {
        id -> BigInt,
        account_id -> BigInt,
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tag_follows (id) {
        id -> BigInt,
        account_id -> BigInt,
        tag_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conversations (id) {
        id -> BigInt,
        account_id -> BigInt,
        participant_ids -> Text,
        last_status_id -> BigInt,
        unread -> Bool,
    }
}

diesel::table! {
    featured_tags (id) {
        id -> BigInt,
        account_id -> BigInt,
        tag_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    endorsements (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        status_ids -> Text,
        comment -> Text,
        category -> Text,
        forwarded -> Bool,
        uri -> Nullable<Text>,
        created_at -> Timestamp,
        action_taken_at -> Nullable<Timestamp>,
        action_taken_by_account_id -> Nullable<BigInt>,
        assigned_account_id -> Nullable<BigInt>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    domain_blocks (id) {
        id -> BigInt,
        domain -> Text,
        severity -> Text,
        reject_media -> Bool,
        reject_reports -> Bool,
        private_comment -> Nullable<Text>,
        public_comment -> Nullable<Text>,
        obfuscate -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_domain_blocks (id) {
        id -> BigInt,
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    canonical_email_blocks (id) {
        id -> BigInt,
        canonical_email_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ip_blocks (id) {
        id -> BigInt,
        ip -> Text,
        severity -> Text,
        comment -> Text,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    announcements (id) {
        id -> BigInt,
        text -> Text,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        all_day -> Bool,
        published_at -> Nullable<Timestamp>,
        federated -> Bool,
        uri -> Text,
        origin -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        content -> Nullable<Text>,
    }
}

diesel::table! {
    announcement_dismissals (announcement_id, account_id) {
        announcement_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    announcement_reactions (announcement_id, account_id, name) {
        announcement_id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trend_reviews (kind, target) {
        kind -> Text,
        target -> Text,
        trendable -> Bool,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    scheduled_statuses (id) {
        id -> BigInt,
        account_id -> BigInt,
        scheduled_at -> Timestamp,
        params_json -> Text,
        app_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> BigInt,
        token_id -> BigInt,
        account_id -> BigInt,
        endpoint -> Text,
        key_p256dh -> Text,
        key_auth -> Text,
        alerts_json -> Text,
        policy -> Text,
        standard -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vapid_keys (id) {
        id -> Integer,
        public_key -> Text,
        private_key_pkcs8 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_account_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> BigInt,
        target -> Text,
        text -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(user_identities -> accounts (account_id));
diesel::joinable!(filter_keywords -> filters (filter_id));
diesel::joinable!(filter_statuses -> filters (filter_id));
diesel::joinable!(featured_tags -> tags (tag_id));
diesel::joinable!(tag_follows -> tags (tag_id));
diesel::table! {
    filters (id) {
        id -> BigInt,
        account_id -> BigInt,
        title -> Text,
        contexts -> Text,
        action -> Text,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    filter_keywords (id) {
        id -> BigInt,
        filter_id -> BigInt,
        keyword -> Text,
        whole_word -> Bool,
    }
}

diesel::table! {
    filter_statuses (id) {
        id -> BigInt,
        filter_id -> BigInt,
        status_id -> BigInt,
    }
}

diesel::table! {
    media_attachments (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> Nullable<BigInt>,
        position -> Integer,
        kind -> Text,
        content_type -> Text,
        state -> Text,
        file_key -> Nullable<Text>,
        preview_key -> Nullable<Text>,
        file_size -> BigInt,
        remote_url -> Nullable<Text>,
        preview_remote_url -> Nullable<Text>,
        description -> Nullable<Text>,
        focus_x -> Double,
        focus_y -> Double,
        meta_json -> Text,
        blurhash -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    polls (id) {
        id -> BigInt,
        status_id -> BigInt,
        account_id -> BigInt,
        options_json -> Text,
        counts_json -> Text,
        multiple -> Bool,
        hide_totals -> Bool,
        voters_count -> BigInt,
        expires_at -> Nullable<Timestamp>,
        ended_notified -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    poll_votes (id) {
        id -> BigInt,
        poll_id -> BigInt,
        account_id -> BigInt,
        choice -> Integer,
        uri -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    custom_emojis (id) {
        id -> BigInt,
        shortcode -> Text,
        domain -> Text,
        image_key -> Nullable<Text>,
        image_url -> Nullable<Text>,
        category -> Nullable<Text>,
        visible_in_picker -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        account_id -> BigInt,
        kind -> Text,
        overwrite -> Bool,
        total_items -> Integer,
        processed_items -> Integer,
        imported_items -> Integer,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_rows (import_id, position) {
        import_id -> BigInt,
        position -> Integer,
        item_json -> Text,
        processed -> Bool,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    legal_holds (account_id) {
        account_id -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    archives (id) {
        id -> BigInt,
        account_id -> BigInt,
        file_key -> Nullable<Text>,
        size -> BigInt,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    process_leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (bucket, window_start) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::joinable!(list_accounts -> lists (list_id));
diesel::joinable!(statuses -> accounts (account_id));
diesel::joinable!(home_timeline_entries -> statuses (status_id));
diesel::joinable!(status_tags -> tags (tag_id));
diesel::joinable!(status_tags -> statuses (status_id));
diesel::joinable!(mentions -> statuses (status_id));
diesel::joinable!(favourites -> statuses (status_id));
diesel::joinable!(bookmarks -> statuses (status_id));
diesel::joinable!(status_pins -> statuses (status_id));
diesel::joinable!(oauth_tokens -> oauth_apps (app_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    audit_log,
    users,
    user_identities,
    oidc_logins,
    oauth_apps,
    oauth_tokens,
    oauth_codes,
    statuses,
    status_edits,
    mentions,
    tags,
    status_tags,
    favourites,
    bookmarks,
    status_pins,
    follows,
    home_timeline_entries,
    notifications,
    markers,
    idempotency_keys,
    peers,
    peer_invites,
    account_search,
    group_roles,
    group_bans,
    group_objects,
    deliveries,
    inbox_queue,
    received_activities,
    follow_requests,
    account_keys,
    instance_keys,
    lists,
    list_accounts,
    mutes,
    blocks,
    user_domain_blocks,
    tag_follows,
    conversations,
    featured_tags,
    endorsements,
    reports,
    domain_blocks,
    email_domain_blocks,
    canonical_email_blocks,
    ip_blocks,
    announcements,
    announcement_dismissals,
    announcement_reactions,
    scheduled_statuses,
    push_subscriptions,
    vapid_keys,
    filters,
    filter_keywords,
    filter_statuses,
    media_attachments,
    polls,
    poll_votes,
    custom_emojis,
    imports,
    import_rows,
    legal_holds,
    archives,
    process_leases,
    rate_limits,
    account_notes,
    thread_mutes,
    notification_policies,
    notification_requests,
    notification_permissions,
    quotes,
);
