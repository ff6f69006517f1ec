// Keys SAELens writes into cfg.json (its SAE and training configs, current and older versions) that this project does
// not interpret: accepted and kept for round trips. Any other top-level key is an error naming the nearest known key;
// the nested "metadata" object is free-form in SAELens, so everything in it is kept.
namespace Interp.Dictionaries;

public static class SaeLensKeys
{
    public static readonly IReadOnlySet<string> Kept = new HashSet<string>(StringComparer.Ordinal)
    {
        "act_store_device", "adam_beta1", "adam_beta2", "autocast", "autocast_lm", "aux_loss_coefficient", "b_dec_init_method",
        "begin_batch_token", "begin_sequence_token", "buffer_size_gb", "cached_activations_path", "checkpoint_path", "column_name",
        "compile_llm", "compile_sae", "d_out", "data_dir", "data_files", "dataset_name", "dataset_trust_remote_code",
        "dead_feature_threshold", "dead_feature_window", "decoder_heuristic_init", "decoder_heuristic_init_norm", "decoder_init_norm",
        "decoder_orthogonal_init", "disable_concat_sequences", "eval_batch_size_prompts", "eval_every_n_wandb_logs",
        "exclude_special_tokens", "feature_sampling_window", "finetuning_method", "finetuning_tokens", "from_pretrained_path",
        "hf_is_private_repo", "hf_num_shards", "hf_repo_id", "hf_revision", "hook_eval", "hook_point_eval",
        "init_encoder_as_decoder_transpose", "is_dataset_tokenized", "jumprelu_bandwidth", "jumprelu_init_threshold",
        "jumprelu_sparsity_loss_mode", "jumprelu_tanh_scale", "k_aux", "l0_coefficient", "l0_warm_up_steps", "l1_coefficient",
        "l1_warm_up_steps", "llm_compilation_mode", "log_activations_store_to_wandb", "log_optimizer_state_to_wandb",
        "log_to_wandb", "lp_norm", "lr", "lr_decay_steps", "lr_end", "lr_scheduler_name", "lr_warm_up_steps", "matryoshka_widths",
        "model_batch_size", "model_class_name", "model_from_pretrained_kwargs", "model_kwargs", "model_training_steps",
        "mse_loss_normalization", "n_batches_in_buffer", "n_checkpoints", "n_eval_batches", "n_eval_seqs", "n_restart_cycles",
        "n_shuffles_final", "n_shuffles_in_entire_dir", "n_shuffles_with_last_section", "n_training_steps", "neuronpedia_id",
        "new_cached_activations_path", "noise_scale", "normalize_sae_decoder", "num_proc", "output_path", "pre_act_loss_coefficient",
        "pretokenize_batch_size", "resume", "resume_from_checkpoint", "run_name", "sae_compilation_mode", "sae_lens_training_version",
        "sae_lens_version", "save_final_checkpoint", "save_path", "scale_sparsity_penalty_by_decoder_norm", "seed", "seqpos_slice",
        "sequence_separator_token", "shuffle", "shuffle_every_n_buffers", "split", "store_batch_size", "store_batch_size_prompts",
        "streaming", "tokenizer_name", "topk_threshold", "topk_threshold_lr", "total_training_samples", "total_training_tokens",
        "train_batch_size", "train_batch_size_samples", "train_batch_size_tokens", "training_tokens", "use_cached_activations",
        "use_error_term", "use_ghost_grads", "use_sparse_activations", "verbose", "wandb_entity", "wandb_id",
        "wandb_log_frequency", "wandb_project", "warm_up_steps", "x_norm_coeff", "dead_feature_estimation_method",
        // written by this project's trainer
        "trainer",
    };
}
